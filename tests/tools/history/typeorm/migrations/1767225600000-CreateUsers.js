module.exports = class CreateUsers1767225600000 {
  async up(queryRunner) { await queryRunner.query("CREATE TABLE typeorm_users (id int PRIMARY KEY)"); }
  async down(queryRunner) { await queryRunner.query("DROP TABLE typeorm_users"); }
};
