module.exports = class CreateOrders1767225660000 {
  async up(queryRunner) { await queryRunner.query("CREATE TABLE typeorm_orders (id int PRIMARY KEY)"); }
  async down(queryRunner) { await queryRunner.query("DROP TABLE typeorm_orders"); }
};
