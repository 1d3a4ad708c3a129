exports.up = (knex) => knex.raw("CREATE TABLE knex_users (id int PRIMARY KEY)");
exports.down = (knex) => knex.raw("DROP TABLE knex_users");
