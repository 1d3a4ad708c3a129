exports.up = (pgm) => { pgm.sql("SELECT no_such_function()"); };
exports.down = () => {};
