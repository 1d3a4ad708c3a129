// The history collector with the sources of Prisma, Postgrator, node-pg-migrate, Sequelize,
// Laravel and Diesel paired, against the real server: each tool's history table created as the
// tool creates it, and a directory with one migration applied, one pending, one applied whose file
// is gone and (for tools that checksum) one edited since it was applied.
#include <gtest/gtest.h>

#include "tests/support/metrics_text.h"
#include "tests/support/source_dir_fixture.h"
#include "tests/support/test_pg.h"

using namespace mexp::test;

namespace {

class MoreSources : public SourceDirFixture {
 protected:
  Samples collect_with(const std::string& tool, const std::string& ddl,
                       const std::string& qualified) {
    return collect_sources(tool, ddl, qualified, dir_);
  }
};

}  // namespace

TEST_F(MoreSources, Prisma) {
  // `printf 'CREATE TABLE a (id int);\n' | sha256sum`, and c's as applied (its file is edited).
  const std::string a = "c2de7559380e5ebf65caa7d59e166558e80243cf7e70006cc98d1593d94203c1";
  const std::string c = "287c713ffe4eb4330954df3b71df956ed9fbe5ccbb4a0b50963a9a0af7584118";
  write("migration_lock.toml", "provider = \"postgresql\"\n");
  write("20240101000000_a/migration.sql", "CREATE TABLE a (id int);\r\n");  // git made it CRLF
  write("20240103000000_edited/migration.sql", "CREATE TABLE c (id bigint);\n");
  write("20240104000000_pending/migration.sql", "CREATE TABLE d (id int);\n");
  write("20240105000000_failed/migration.sql", "CREATE TABLE e (id int);\n");
  write("20240106000000_rolled_back/migration.sql", "CREATE TABLE f (id int);\n");
  const auto row = [&](const std::string& id, const std::string& name, const std::string& checksum,
                       const std::string& finished, const std::string& rolled_back) {
    rows_.push_back(
        "INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, finished_at, "
        "logs, rolled_back_at, applied_steps_count) VALUES ('" +
        id + "', '" + checksum + "', '" + name + "', '2024-01-0" + id + " 00:00:00Z', " + finished +
        ", NULL, " + rolled_back + ", 1)");
  };
  row("1", "20240101000000_a", a, "now()", "NULL");
  row("2", "20240102000000_deleted", a, "now()", "NULL");
  row("3", "20240103000000_edited", c, "now()", "NULL");
  row("5", "20240105000000_failed", "x", "NULL", "NULL");
  row("6", "20240106000000_rolled_back", "x", "NULL", "now()");
  const auto samples = collect_with(
      "prisma",
      "CREATE TABLE _prisma_migrations (id VARCHAR(36) PRIMARY KEY NOT NULL, checksum VARCHAR(64) "
      "NOT NULL, finished_at TIMESTAMPTZ, migration_name VARCHAR(255) NOT NULL, logs TEXT, "
      "rolled_back_at TIMESTAMPTZ, started_at TIMESTAMPTZ NOT NULL DEFAULT now(), "
      "applied_steps_count INTEGER NOT NULL DEFAULT 0)",
      "public._prisma_migrations");
  const std::map<std::string, std::string> table = {
      {"tool", "prisma"}, {"schema", "public"}, {"table", "_prisma_migrations"}};
  expect_state(samples, table, 5, {"20240104000000_pending", "20240106000000_rolled_back"},
               {"20240102000000_deleted"}, {"20240103000000_edited"});
  EXPECT_EQ(names(samples, "failed"), std::set<std::string>{"20240105000000_failed"});
  EXPECT_EQ(samples.get("migration_source_problem_files", table), 0);
}

TEST_F(MoreSources, Postgrator) {
  write("001.do.a.sql", "CREATE TABLE a (id int);\n");
  write("001.undo.a.sql", "DROP TABLE a;\n");
  write("003.do.edited.sql", "CREATE TABLE c (id bigint);\n");
  write("004.do.pending.sql", "CREATE TABLE d (id int);\n");
  write("005.do.seed.js", "module.exports.generateSql = () => 'SELECT 5';\n");
  write("006.up.typo.sql", "SELECT 6;\n");
  write("README.md", "migrations\n");
  // `md5sum` of a's file, and of c's as it was applied. The JS migration has no MD5 to compare.
  rows_ = {"INSERT INTO \"schemaversion\" (version) VALUES (0)",
           "INSERT INTO schemaversion VALUES (1, 'a', 'a040b67b9d35c661f5307c16b0ff432a', now())",
           "INSERT INTO schemaversion VALUES (2, 'deleted', 'ffff', now())",
           "INSERT INTO schemaversion VALUES (3, 'edited', '79f63f34f18199f38816a79f3def7387', "
           "now())",
           "INSERT INTO schemaversion VALUES (5, 'seed', 'stale', now())"};
  // Built in steps, as Postgrator builds it.
  const auto samples = collect_with("postgrator",
                                    "CREATE TABLE \"schemaversion\" (version BIGINT PRIMARY KEY);"
                                    "ALTER TABLE \"schemaversion\" ADD COLUMN name TEXT;"
                                    "ALTER TABLE \"schemaversion\" ADD COLUMN md5 TEXT;"
                                    "ALTER TABLE \"schemaversion\" ADD COLUMN run_at "
                                    "TIMESTAMP WITH TIME ZONE",
                                    "public.schemaversion");
  const std::map<std::string, std::string> table = {
      {"tool", "postgrator"}, {"schema", "public"}, {"table", "schemaversion"}};
  expect_state(samples, table, 4, {"4"}, {"2"}, {"3"});
  EXPECT_EQ(samples.get("migration_source_problem_files", table), 1);  // 006.up.typo.sql
}

TEST_F(MoreSources, NodePgMigrate) {
  write("1700000000000_a.js", "exports.up = (pgm) => {};\n");
  write("1700000002000_pending.sql", "CREATE TABLE d (id int);\n");
  write("helpers/util.js", "module.exports = {};\n");
  write("notes.txt", "no numeric prefix\n");
  rows_ = {"INSERT INTO pgmigrations (name, run_on) VALUES ('1700000000000_a', now())",
           "INSERT INTO pgmigrations (name, run_on) VALUES ('1700000001000_deleted', now())"};
  const auto samples = collect_with("node-pg-migrate",
                                    "CREATE TABLE \"public\".\"pgmigrations\" (id SERIAL PRIMARY "
                                    "KEY, name varchar(255) NOT NULL, run_on timestamp NOT NULL)",
                                    "public.pgmigrations");
  const std::map<std::string, std::string> table = {
      {"tool", "node-pg-migrate"}, {"schema", "public"}, {"table", "pgmigrations"}};
  expect_state(samples, table, 2, {"1700000002000_pending"}, {"1700000001000_deleted"}, {});
  EXPECT_EQ(samples.get("migration_source_problem_files", table), 1);  // notes.txt
}

TEST_F(MoreSources, Sequelize) {
  write("20240101000000-a.js", "module.exports = { up() {}, down() {} };\n");
  write("20240103000000-pending.js", "module.exports = { up() {}, down() {} };\n");
  write("index.d.ts", "export {};\n");
  rows_ = {"INSERT INTO \"SequelizeMeta\" VALUES ('20240101000000-a.js')",
           "INSERT INTO \"SequelizeMeta\" VALUES ('20240102000000-deleted.js')"};
  const auto samples = collect_with("sequelize",
                                    "CREATE TABLE IF NOT EXISTS \"SequelizeMeta\" (\"name\" "
                                    "VARCHAR(255) NOT NULL UNIQUE , PRIMARY KEY (\"name\"))",
                                    "public.\"SequelizeMeta\"");
  const std::map<std::string, std::string> table = {
      {"tool", "sequelize"}, {"schema", "public"}, {"table", "SequelizeMeta"}};
  expect_state(samples, table, 2, {"20240103000000-pending.js"}, {"20240102000000-deleted.js"}, {});
}

TEST_F(MoreSources, Laravel) {
  write("2014_10_12_000000_create_users_table.php", "<?php\n");
  write("2019_08_19_000000_create_failed_jobs_table.php", "<?php\n");
  write("Kernel.php", "<?php\n");
  rows_ = {
      "insert into \"migrations\" (\"migration\", \"batch\") values "
      "('2014_10_12_000000_create_users_table', 1)",
      "insert into \"migrations\" (\"migration\", \"batch\") values "
      "('2015_01_01_000000_deleted', 1)"};
  const auto samples = collect_with("laravel",
                                    "create table \"migrations\" (\"id\" serial not null primary "
                                    "key, \"migration\" varchar(255) not null, \"batch\" integer "
                                    "not null)",
                                    "public.migrations");
  const std::map<std::string, std::string> table = {
      {"tool", "laravel"}, {"schema", "public"}, {"table", "migrations"}};
  expect_state(samples, table, 2, {"2019_08_19_000000_create_failed_jobs_table"},
               {"2015_01_01_000000_deleted"}, {});
}

TEST_F(MoreSources, Diesel) {
  write("00000000000000_diesel_initial_setup/up.sql", "SELECT 1;\n");
  write("00000000000000_diesel_initial_setup/down.sql", "SELECT 1;\n");
  write("2024-01-03-000000_pending/up.sql", "CREATE TABLE d (id int);\n");
  write("2024-01-03-000000_pending/metadata.toml", "run_in_transaction = true\n");
  rows_ = {"INSERT INTO __diesel_schema_migrations (version) VALUES ('00000000000000')",
           "INSERT INTO __diesel_schema_migrations (version) VALUES ('20240102000000')"};
  const auto samples = collect_with("diesel",
                                    "CREATE TABLE IF NOT EXISTS __diesel_schema_migrations ("
                                    "version VARCHAR(50) PRIMARY KEY NOT NULL, run_on TIMESTAMP "
                                    "NOT NULL DEFAULT CURRENT_TIMESTAMP)",
                                    "public.__diesel_schema_migrations");
  const std::map<std::string, std::string> table = {
      {"tool", "diesel"}, {"schema", "public"}, {"table", "__diesel_schema_migrations"}};
  expect_state(samples, table, 2, {"20240103000000"}, {"20240102000000"}, {});
}
