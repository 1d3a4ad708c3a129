module.exports = {
  up: (queryInterface) => queryInterface.sequelize.query("CREATE TABLE sequelize_orders (id int PRIMARY KEY)"),
  down: (queryInterface) => queryInterface.sequelize.query("DROP TABLE sequelize_orders"),
};
