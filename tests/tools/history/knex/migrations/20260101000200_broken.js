exports.up = (knex) => knex.raw("SELECT no_such_function()");
exports.down = () => Promise.resolve();
