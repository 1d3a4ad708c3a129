// The history collector with the sources of the tools whose migrations are named inside their
// files (TypeORM's classes, EF Core's [Migration] attributes, Liquibase's changesets) paired,
// against the real server: each history table created as the tool creates it
// (/work/shared/reference/migration-tools.md), sources with one migration applied, one pending and
// one applied whose file is gone, and the counts and names the exporter reports.
#include <gtest/gtest.h>

#include "tests/support/metrics_text.h"
#include "tests/support/source_dir_fixture.h"
#include "tests/support/test_pg.h"

using namespace mexp::test;

namespace {

class DeclaredSources : public SourceDirFixture {
 protected:
  // The sources at `path` below the directory (the directory by default).
  Samples collect_with(const std::string& tool, const std::string& ddl,
                       const std::string& qualified, const std::string& path = "") {
    return collect_sources(tool, ddl, qualified, dir_ + (path.empty() ? "" : "/" + path));
  }
  // None of these tools' changes here is edited: nothing drifts; `problem_files` are rejected.
  void expect_state(const Samples& samples, const std::map<std::string, std::string>& table,
                    double files, const std::set<std::string>& pending,
                    const std::set<std::string>& missing, double problem_files) {
    SourceDirFixture::expect_state(samples, table, files, pending, missing, {});
    EXPECT_EQ(samples.get("migration_source_problem_files", table), problem_files);
  }
};

}  // namespace

TEST_F(DeclaredSources, TypeormComparesTheClassNamesTheFilesDeclare) {
  // The file name says AddUsers, the class (what TypeORM records) says CreateUsers.
  write("1700000000000-add-users.ts",
        "import { MigrationInterface, QueryRunner } from \"typeorm\";\n"
        "export class CreateUsers1700000000000 implements MigrationInterface {\n"
        "    public async up(queryRunner: QueryRunner): Promise<void> {}\n}\n");
  write("1700000002000-orders.ts",
        "export class Orders1700000002000 implements MigrationInterface {\n"
        "    name = 'Orders1700000002000'\n}\n");
  write("helpers/table-names.ts", "export const users = 'users';\n");
  write("1700000003000-init.ts", "export class Init implements MigrationInterface {}\n");
  rows_ = {
      "INSERT INTO \"migrations\"(\"timestamp\", \"name\") VALUES (1700000000000, "
      "'CreateUsers1700000000000')",
      "INSERT INTO \"migrations\"(\"timestamp\", \"name\") VALUES (1700000001000, "
      "'Deleted1700000001000')"};
  // As TypeORM 1.1's PostgresQueryRunner creates it.
  const auto samples = collect_with(
      "typeorm",
      "CREATE TABLE \"migrations\" (\"id\" SERIAL NOT NULL, \"timestamp\" bigint NOT NULL, "
      "\"name\" character varying NOT NULL, CONSTRAINT \"PK_8c82d7f526340ab734260ea46be\" "
      "PRIMARY KEY (\"id\"))",
      "public.migrations");
  const std::map<std::string, std::string> table = {
      {"tool", "typeorm"}, {"schema", "public"}, {"table", "migrations"}};
  // init.ts declares a class without a timestamp: TypeORM refuses it, so it is a problem file.
  expect_state(samples, table, 2, {"Orders1700000002000"}, {"Deleted1700000001000"}, 1);
}

TEST_F(DeclaredSources, EfcoreComparesTheIdsOfTheMigrationAttributes) {
  const auto designer = [](const std::string& id) {
    return "namespace App.Migrations\n{\n    [DbContext(typeof(AppDbContext))]\n    [Migration(\"" +
           id + "\")]\n    partial class M\n    {\n    }\n}\n";
  };
  // Applied: its Designer file carries the id the file is named by.
  write("Migrations/20240101120000_Init.cs", "public partial class Init : Migration {}\n");
  write("Migrations/20240101120000_Init.Designer.cs", designer("20240101120000_Init"));
  // Pending: its attribute, not its file name, is the id EF Core would record.
  write("Migrations/Orders.cs", "public partial class Orders : Migration {}\n");
  write("Migrations/Orders.Designer.cs", designer("20240103000000_Orders"));
  write("Migrations/AppDbContextModelSnapshot.cs", "partial class S : ModelSnapshot {}\n");
  write("Migrations/Helpers.cs", "static class Helpers {}\n");
  rows_ = {"INSERT INTO \"__EFMigrationsHistory\" VALUES ('20240101120000_Init', '8.0.4')",
           "INSERT INTO \"__EFMigrationsHistory\" VALUES ('20240102000000_Dropped', '8.0.4')"};
  // As Npgsql's history repository creates it.
  const auto samples = collect_with(
      "efcore",
      "CREATE TABLE IF NOT EXISTS \"__EFMigrationsHistory\" (\"MigrationId\" character "
      "varying(150) NOT NULL, \"ProductVersion\" character varying(32) NOT NULL, CONSTRAINT "
      "\"PK___EFMigrationsHistory\" PRIMARY KEY (\"MigrationId\"))",
      "public.\"__EFMigrationsHistory\"", "Migrations");
  const std::map<std::string, std::string> table = {
      {"tool", "efcore"}, {"schema", "public"}, {"table", "__EFMigrationsHistory"}};
  expect_state(samples, table, 2, {"20240103000000_Orders"}, {"20240102000000_Dropped"}, 0);
}

TEST_F(DeclaredSources, LiquibaseComparesChangesetsAndTheirChecksums) {
  write("changelog.xml",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<databaseChangeLog "
        "xmlns=\"http://www.liquibase.org/xml/ns/dbchangelog\">\n"
        "  <include file=\"sql/changes.sql\" relativeToChangelogFile=\"true\"/>\n"
        "</databaseChangeLog>\n");
  // After the deploy below: `gone` deleted, `edited` and the runOnChange view edited, `pending`
  // added. Liquibase 4.28.0 then fails `validate` on edited only ("sql/changes.sql::edited::bob
  // was: 9:8e40… but is now: 9:2f67…") and would re-run the view.
  write("sql/changes.sql",
        "--liquibase formatted sql\n\n--changeset alice:1\nCREATE TABLE a1 (id int);\n\n"
        "--changeset bob:edited\nCREATE TABLE c (id bigint);\n\n"
        "--changeset bob:views runOnChange:true\nCREATE OR REPLACE VIEW v AS SELECT 2;\n\n"
        "--changeset bob:never\n--preconditions onFail:MARK_RAN\n"
        "--precondition-sql-check expectedResult:1 SELECT 0\nCREATE TABLE never (id int);\n\n"
        "--changeset carol:pending\nCREATE TABLE p (id int);\n");
  // The rows Liquibase 4.28.0 wrote for the files before the edit (`update` on PostgreSQL 15).
  const auto row = [](const std::string& id, const std::string& author, const std::string& md5,
                      const std::string& type, int order) {
    return "INSERT INTO databasechangelog (id, author, filename, dateexecuted, orderexecuted, "
           "exectype, md5sum, description, liquibase, deployment_id) VALUES ('" +
           id + "', '" + author + "', 'sql/changes.sql', now(), " + std::to_string(order) + ", '" +
           type + "', '9:" + md5 + "', 'sql', '4.28.0', '1234567890')";
  };
  rows_ = {row("1", "alice", "dfce0013934c6dc62a9a256c47851ba2", "EXECUTED", 1),
           row("gone", "alice", "3bb251ba056c0839d10780effcb84693", "EXECUTED", 2),
           row("edited", "bob", "8e40c962cef2320c2c759f3676d5b38c", "EXECUTED", 3),
           row("views", "bob", "c1ab5b6960787e339fc998d477bbada3", "EXECUTED", 4),
           row("never", "bob", "e64d4feed3401eabc8a947569c546af7", "MARK_RAN", 5)};
  // As CreateDatabaseChangeLogTableGenerator creates it on PostgreSQL.
  const auto samples = collect_with(
      "liquibase",
      "CREATE TABLE databasechangelog (ID VARCHAR(255) NOT NULL, AUTHOR VARCHAR(255) NOT NULL, "
      "FILENAME VARCHAR(255) NOT NULL, DATEEXECUTED TIMESTAMP WITHOUT TIME ZONE NOT NULL, "
      "ORDEREXECUTED INTEGER NOT NULL, EXECTYPE VARCHAR(10) NOT NULL, MD5SUM VARCHAR(35), "
      "DESCRIPTION VARCHAR(255), COMMENTS VARCHAR(255), TAG VARCHAR(255), LIQUIBASE "
      "VARCHAR(20), CONTEXTS VARCHAR(255), LABELS VARCHAR(255), DEPLOYMENT_ID VARCHAR(10))",
      "public.databasechangelog");
  const std::map<std::string, std::string> table = {
      {"tool", "liquibase"}, {"schema", "public"}, {"table", "databasechangelog"}};
  EXPECT_EQ(samples.get("migration_history_up", table), 1);
  EXPECT_EQ(samples.get("migration_source_up", table), 1);
  EXPECT_EQ(samples.get("migration_source_files", table), 5);
  EXPECT_EQ(samples.get("migration_source_problem_files", table), 0);
  EXPECT_EQ(names(samples, "pending"), std::set<std::string>{"sql/changes.sql::pending::carol"});
  EXPECT_EQ(names(samples, "missing_source"),
            std::set<std::string>{"sql/changes.sql::gone::alice"});
  EXPECT_EQ(names(samples, "checksum_mismatch"),
            std::set<std::string>{"sql/changes.sql::edited::bob"});
  EXPECT_EQ(names(samples, "outdated_repeatable"),
            std::set<std::string>{"sql/changes.sql::views::bob"});
  EXPECT_EQ(samples.get("migration_future", table), 0);
}
