// The history collector with the sources of golang-migrate, dbmate, goose, Rails, Django and Knex
// paired, against the real server: each history table created as the tool creates it
// (docs: /work/shared/reference/migration-tools.md), a directory with one migration applied, one
// pending and one applied whose file is gone, and the counts and names the exporter reports.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/support/metrics_text.h"
#include "tests/support/test_pg.h"

using namespace mexp::test;
namespace fs = std::filesystem;

namespace {

class HistorySourcesTools : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/me_tool_sources_XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& relative, const std::string& content = "SELECT 1;\n") {
    const fs::path path = fs::path(dir_) / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
  }
  Samples scrape(const std::string& tool) {
    db_.exec("GRANT SELECT ON ALL TABLES IN SCHEMA public TO " + std::string(kMonitorRole));
    auto session = monitor_session(db_);
    return collect(*make_collector("history", "sources = [{ tool = \"" + tool + "\", path = \"" +
                                                  dir_ + "\" }]"),
                   *session);
  }
  std::set<std::string> names(const Samples& samples, const std::string& state) {
    std::set<std::string> result;
    for (const auto& sample : samples.all("migration_source_info", {{"state", state}}))
      result.insert(sample.labels.at("migration"));
    return result;
  }
  // One applied, one pending, one applied with no file: the three states every tool can show.
  void expect_one_of_each(const Samples& samples, const std::string& tool, const std::string& table,
                          const std::string& pending, const std::string& missing) {
    const std::map<std::string, std::string> labels = {{"tool", tool}, {"table", table}};
    EXPECT_EQ(samples.get("migration_history_up", labels), 1) << tool;
    EXPECT_EQ(samples.get("migration_source_up", labels), 1) << tool;
    EXPECT_EQ(samples.get("migration_source_files", labels), 2) << tool;
    EXPECT_EQ(samples.get("migration_pending", labels), 1) << tool;
    EXPECT_EQ(samples.get("migration_missing_source", labels), 1) << tool;
    EXPECT_EQ(samples.get("migration_checksum_mismatch", labels), 0) << tool;
    EXPECT_EQ(names(samples, "pending"), (std::set<std::string>{pending})) << tool;
    EXPECT_EQ(names(samples, "missing_source"), (std::set<std::string>{missing})) << tool;
  }

  TestDatabase db_;
  std::string dir_;
};

}  // namespace

TEST_F(HistorySourcesTools, GolangMigrateCountsEveryFileUpToTheCurrentVersionAsApplied) {
  db_.exec(
      "CREATE TABLE IF NOT EXISTS \"public\".\"schema_migrations\" "
      "(version bigint not null primary key, dirty boolean not null)");
  // Files 1, 3 and 4; the database is at 2, whose file was deleted.
  write("000001_init.up.sql");
  write("000001_init.down.sql");
  write("000003_orders.up.sql");
  write("000003_orders.down.sql");
  write("README.md", "golang-migrate skips what it cannot parse\n");
  db_.exec("INSERT INTO schema_migrations VALUES (2, false)");
  auto samples = scrape("golang-migrate");
  const std::map<std::string, std::string> labels = {{"tool", "golang-migrate"}};
  EXPECT_EQ(samples.get("migration_source_problem_files", labels), 0);
  expect_one_of_each(samples, "golang-migrate", "schema_migrations", "3", "2");

  // Version 3 fails: golang-migrate leaves (3, dirty). Failed, not pending; 1 below it applied.
  write("000002_restored.up.sql");
  db_.exec("TRUNCATE schema_migrations; INSERT INTO schema_migrations VALUES (3, true)");
  samples = scrape("golang-migrate");
  EXPECT_EQ(samples.get("migration_pending", labels), 0);
  EXPECT_EQ(samples.get("migration_missing_source", labels), 0);
  EXPECT_EQ(names(samples, "failed"), (std::set<std::string>{"3"}));
  EXPECT_EQ(samples.get("migration_unresolved_failures", labels), 1);
}

TEST_F(HistorySourcesTools, DbmateComparesVersionsAsWritten) {
  db_.exec("create table if not exists public.schema_migrations (version varchar primary key)");
  write("20260101000000_create_users.sql", "-- migrate:up\nCREATE TABLE u (id int);\n");
  write("20260103000000_create_orders.sql", "-- migrate:up\nCREATE TABLE o (id int);\n");
  write("schema.sql", "-- dbmate's dump: no version prefix, not a migration\n");
  db_.exec("INSERT INTO schema_migrations VALUES ('20260101000000'), ('20260102000000')");
  const auto samples = scrape("dbmate");
  expect_one_of_each(samples, "dbmate", "schema_migrations", "20260103000000", "20260102000000");
}

TEST_F(HistorySourcesTools, GooseDecidesByTheLatestRowOfEachVersion) {
  db_.exec(
      "CREATE TABLE goose_db_version (id integer PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, "
      "version_id bigint NOT NULL, is_applied boolean NOT NULL, "
      "tstamp timestamp NOT NULL DEFAULT now())");
  write("00001_init.sql");
  write("00003_backfill.go", "package migrations\n");
  write("helpers.go", "package migrations\n");
  write("bad.sql");  // goose refuses a directory with this
  // Table creation's 0, then 1 and 2 up, 3 up and (old goose) down again.
  db_.exec(
      "INSERT INTO goose_db_version (version_id, is_applied) VALUES "
      "(0, true), (1, true), (2, true), (3, true), (3, false)");
  const auto samples = scrape("goose");
  expect_one_of_each(samples, "goose", "goose_db_version", "3", "2");
  EXPECT_EQ(samples.get("migration_source_problem_files", {{"tool", "goose"}}), 1);
}

TEST_F(HistorySourcesTools, RailsMatchesVersionsAsIntegers) {
  db_.exec(
      "CREATE TABLE \"schema_migrations\" (\"version\" character varying NOT NULL PRIMARY KEY)");
  db_.exec(
      "CREATE TABLE \"ar_internal_metadata\" (\"key\" character varying NOT NULL PRIMARY KEY, "
      "\"value\" character varying, \"created_at\" timestamp(6) NOT NULL, "
      "\"updated_at\" timestamp(6) NOT NULL)");
  write("20260101000000_create_users.rb",
        "class CreateUsers < ActiveRecord::Migration[7.1]; end\n");
  write("engine/20260103000000_create_orders.blog.rb", "class CreateOrders; end\n");
  write("20260104000000_AddIndex.rb");  // IllegalMigrationNameError
  db_.exec("INSERT INTO schema_migrations VALUES ('20260101000000'), ('20260102000000')");
  const auto samples = scrape("rails");
  expect_one_of_each(samples, "rails", "schema_migrations", "20260103000000", "20260102000000");
  EXPECT_EQ(samples.get("migration_source_problem_files", {{"tool", "rails"}}), 1);
}

TEST_F(HistorySourcesTools, DjangoMatchesAppAndName) {
  db_.exec(
      "CREATE TABLE \"django_migrations\" ("
      "\"id\" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, "
      "\"app\" varchar(255) NOT NULL, \"name\" varchar(255) NOT NULL, "
      "\"applied\" timestamp with time zone NOT NULL)");
  write("shop/migrations/__init__.py", "");
  write("shop/migrations/0001_initial.py", "from django.db import migrations\n");
  write("shop/migrations/0003_orders.py", "from django.db import migrations\n");
  write("shop/models.py", "");
  db_.exec(
      "INSERT INTO django_migrations (app, name, applied) VALUES "
      "('shop', '0001_initial', now()), ('shop', '0002_dropped', now())");
  const auto samples = scrape("django");
  expect_one_of_each(samples, "django", "django_migrations", "shop.0003_orders",
                     "shop.0002_dropped");
}

TEST_F(HistorySourcesTools, KnexMatchesFileNames) {
  db_.exec(
      "create table \"knex_migrations\" (\"id\" serial primary key, \"name\" varchar(255), "
      "\"batch\" integer, \"migration_time\" timestamptz)");
  db_.exec(
      "create table \"knex_migrations_lock\" (\"index\" serial primary key, \"is_locked\" "
      "integer); insert into knex_migrations_lock (is_locked) values (0)");
  write("20260101000000_create_users.js", "exports.up = () => {};\n");
  write("20260103000000_create_orders.js", "exports.up = () => {};\n");
  write("20260101000000_create_users.js.map", "{}\n");
  db_.exec(
      "INSERT INTO knex_migrations (name, batch, migration_time) VALUES "
      "('20260101000000_create_users.js', 1, now()), ('20260102000000_dropped.js', 1, now())");
  const auto samples = scrape("knex");
  expect_one_of_each(samples, "knex", "knex_migrations", "20260103000000_create_orders.js",
                     "20260102000000_dropped.js");
}
