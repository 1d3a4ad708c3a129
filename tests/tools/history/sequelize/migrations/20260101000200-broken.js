module.exports = {
  up: (queryInterface) => queryInterface.sequelize.query("SELECT no_such_function()"),
  down: () => Promise.resolve(),
};
