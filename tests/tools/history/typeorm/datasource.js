// TypeORM DataSource for the history check: the database comes from TYPEORM_URL.
const { DataSource } = require("typeorm");

module.exports = new DataSource({
  type: "postgres",
  url: process.env.TYPEORM_URL,
  migrations: [`${__dirname}/migrations/*.js`],
});
