exports.up = (pgm) => { pgm.sql("CREATE TABLE npm_users (id int PRIMARY KEY)"); };
exports.down = (pgm) => { pgm.sql("DROP TABLE npm_users"); };
