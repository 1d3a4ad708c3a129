exports.up = (knex) => knex.raw("CREATE TABLE knex_orders (id int PRIMARY KEY)");
exports.down = (knex) => knex.raw("DROP TABLE knex_orders");
