// The history collector with the sources of the tools whose migrations are named inside their
// files (TypeORM's classes, EF Core's [Migration] attributes, Liquibase's changesets) paired,
// against the real server: each history table created as the tool creates it
// (/work/shared/reference/migration-tools.md), sources with one migration applied, one pending and
// one applied whose file is gone, and the counts and names the exporter reports.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/support/metrics_text.h"
#include "tests/support/test_pg.h"

using namespace mexp::test;
namespace fs = std::filesystem;

namespace {

class DeclaredSources : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/me_declared_sources_XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& relative, const std::string& content) {
    const fs::path path = fs::path(dir_) / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
  }
  // Creates the table (`ddl`) and its rows, readable by the monitor role, and collects once with
  // the sources at `path` (the directory by default).
  Samples collect_with(const std::string& tool, const std::string& ddl,
                       const std::string& qualified, const std::string& path = "") {
    db_.exec(ddl);
    for (const auto& insert : rows_) db_.exec(insert);
    db_.grant_select(qualified);
    auto session = monitor_session(db_);
    const std::string options = "sources = [{ tool = \"" + tool + "\", path = \"" + dir_ +
                                (path.empty() ? "" : "/" + path) + "\" }]";
    return collect(*make_collector("history", options), *session);
  }
  std::set<std::string> names(const Samples& samples, const std::string& state) {
    std::set<std::string> result;
    for (const auto& sample : samples.all("migration_source_info", {{"state", state}}))
      result.insert(sample.labels.at("migration"));
    return result;
  }
  void expect_state(const Samples& samples, const std::map<std::string, std::string>& table,
                    double files, const std::set<std::string>& pending,
                    const std::set<std::string>& missing, double problem_files) {
    EXPECT_EQ(samples.get("migration_history_up", table), 1);
    EXPECT_EQ(samples.get("migration_source_up", table), 1);
    EXPECT_EQ(samples.get("migration_source_files", table), files);
    EXPECT_EQ(samples.get("migration_pending", table), static_cast<double>(pending.size()));
    EXPECT_EQ(samples.get("migration_missing_source", table), static_cast<double>(missing.size()));
    EXPECT_EQ(samples.get("migration_checksum_mismatch", table), 0);
    EXPECT_EQ(samples.get("migration_future", table), 0);
    EXPECT_EQ(samples.get("migration_source_problem_files", table), problem_files);
    EXPECT_EQ(names(samples, "pending"), pending);
    EXPECT_EQ(names(samples, "missing_source"), missing);
  }

  TestDatabase db_;
  std::string dir_;
  std::vector<std::string> rows_;  // INSERTs run after the table is created
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
