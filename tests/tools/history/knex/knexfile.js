// Knex configuration for the history check: the database comes from KNEX_URL.
module.exports = {
  client: "pg",
  connection: process.env.KNEX_URL,
  migrations: { directory: process.env.KNEX_MIGRATIONS || `${__dirname}/migrations` },
};
