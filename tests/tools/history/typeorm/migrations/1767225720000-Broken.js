module.exports = class Broken1767225720000 {
  async up(queryRunner) { await queryRunner.query("SELECT no_such_function()"); }
  async down() {}
};
