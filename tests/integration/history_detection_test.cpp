// Auto-detection across tools: one database holding many tools' tables in several schemas, tools
// sharing a table name told apart by their columns, and strangers' tables of the same names left
// alone.
#include <gtest/gtest.h>

#include "tests/support/flyway_fixture.h"
#include "tests/support/metrics_text.h"
#include "tests/support/test_pg.h"

using namespace mexp::test;

namespace {

// Every tool's table found in `db`, as "schema.table=tool".
std::set<std::string> detected(const Samples& samples) {
  std::set<std::string> found;
  for (auto& sample : samples.all("migration_history_up")) {
    found.insert(sample.labels["schema"] + "." + sample.labels["table"] + "=" +
                 sample.labels["tool"]);
  }
  return found;
}

void build_many_tools(TestDatabase& db) {
  // Three tools named schema_migrations.
  db.exec(
      "CREATE SCHEMA rails_app; CREATE TABLE rails_app.schema_migrations (version character "
      "varying NOT NULL PRIMARY KEY); CREATE TABLE rails_app.ar_internal_metadata (key character "
      "varying NOT NULL PRIMARY KEY, value character varying, created_at timestamp(6) NOT NULL, "
      "updated_at timestamp(6) NOT NULL); INSERT INTO rails_app.schema_migrations VALUES "
      "('20260101000000'), ('20260102000000')");
  db.exec(
      "CREATE SCHEMA go_app; CREATE TABLE go_app.schema_migrations (version bigint not null "
      "primary key, dirty boolean not null); INSERT INTO go_app.schema_migrations VALUES (7, "
      "false)");
  db.exec(
      "CREATE SCHEMA dbmate_app; CREATE TABLE dbmate_app.schema_migrations (version varchar "
      "primary key); INSERT INTO dbmate_app.schema_migrations VALUES ('20260101000000'), "
      "('20260103000000'), ('20260104000000')");
  // Three tools named migrations.
  db.exec(
      "CREATE SCHEMA typeorm_app; CREATE TABLE typeorm_app.migrations (\"id\" SERIAL NOT NULL, "
      "\"timestamp\" bigint NOT NULL, \"name\" character varying NOT NULL, CONSTRAINT "
      "\"PK_8c82d7f526340ab734260ea46be\" PRIMARY KEY (\"id\")); INSERT INTO "
      "typeorm_app.migrations (\"timestamp\", name) VALUES (1767225600000, "
      "'Init1767225600000')");
  db.exec(
      "create schema if not exists graphile_migrate; create table if not exists "
      "graphile_migrate.migrations (hash text primary key, previous_hash text references "
      "graphile_migrate.migrations, filename text not null, date timestamptz not null default "
      "now()); insert into graphile_migrate.migrations values ('sha1:a', null, '000001.sql', "
      "now()), ('sha1:b', 'sha1:a', '000002-users.sql', now())");
  db.exec(
      "CREATE SCHEMA laravel_app; create table laravel_app.migrations (id serial not null primary "
      "key, migration varchar(255) not null, batch integer not null); insert into "
      "laravel_app.migrations (migration, batch) values ('2014_10_12_000000_create_users_table', "
      "1)");
  // Case-sensitive names: Sequelize's quoted table, and its lower-case lookalike.
  db.exec(
      "CREATE TABLE IF NOT EXISTS \"SequelizeMeta\" (\"name\" VARCHAR(255) NOT NULL UNIQUE, "
      "PRIMARY KEY (\"name\")); INSERT INTO \"SequelizeMeta\" VALUES "
      "('20260101000000-create-user.js'), ('20260102000000-add-email.js')");
  db.exec("CREATE SCHEMA lookalike; CREATE TABLE lookalike.sequelizemeta (name text)");
  // Strangers: tables with known names but other columns.
  db.exec("CREATE TABLE public.migrations (id int, note text)");
  db.exec("CREATE TABLE public.schema_migrations (id int, applied date)");
  db.exec("CREATE TABLE public.events (id int, payload jsonb)");
  create_flyway_table(db, "public", "flyway_schema_history");
  insert_flyway_row(db, "public.flyway_schema_history", 1, "1", "init", "SQL", "V1__init.sql",
                    "2026-01-01 00:00:00", 100, true);
  for (const char* schema : {"rails_app", "go_app", "dbmate_app", "typeorm_app", "graphile_migrate",
                             "laravel_app", "lookalike"}) {
    db.exec(std::string("GRANT USAGE ON SCHEMA ") + schema + " TO " + kMonitorRole);
    db.exec(std::string("GRANT SELECT ON ALL TABLES IN SCHEMA ") + schema + " TO " + kMonitorRole);
  }
  db.exec(std::string("GRANT SELECT ON ALL TABLES IN SCHEMA public TO ") + kMonitorRole);
}

}  // namespace

TEST(HistoryDetection, ManyToolsInManySchemasEachReadAsItsOwnTool) {
  TestDatabase db;
  build_many_tools(db);
  auto session = monitor_session(db);
  const auto samples = collect(*make_collector("history"), *session);
  EXPECT_EQ(detected(samples), (std::set<std::string>{
                                   "dbmate_app.schema_migrations=dbmate",
                                   "go_app.schema_migrations=golang-migrate",
                                   "graphile_migrate.migrations=graphile-migrate",
                                   "laravel_app.migrations=laravel",
                                   "public.SequelizeMeta=sequelize",
                                   "public.flyway_schema_history=flyway",
                                   "rails_app.schema_migrations=rails",
                                   "typeorm_app.migrations=typeorm",
                               }));
  for (auto& up : samples.all("migration_history_up")) {
    EXPECT_EQ(up.value, 1) << up.labels["schema"] << "." << up.labels["table"];
  }
  EXPECT_EQ(samples.get("migration_applied", {{"tool", "rails"}}), 2);
  EXPECT_EQ(samples.get("migration_applied", {{"tool", "dbmate"}}), 3);
  EXPECT_EQ(samples.get("migration_failed", {{"tool", "golang-migrate"}}), 0);
  EXPECT_EQ(samples.get("migration_applied", {{"tool", "typeorm"}}), 1);
  EXPECT_EQ(samples.get("migration_applied", {{"tool", "graphile-migrate"}}), 2);
  EXPECT_EQ(samples.get("migration_applied", {{"tool", "laravel"}}), 1);
  EXPECT_EQ(samples.get("migration_applied", {{"tool", "sequelize"}}), 2);
  EXPECT_EQ(samples.get("migration_applied", {{"tool", "flyway"}}), 1);
  auto graphile = samples.all("migration_current_version_info", {{"tool", "graphile-migrate"}});
  ASSERT_EQ(graphile.size(), 1u);
  EXPECT_EQ(graphile[0].labels["version"], "000002");
  EXPECT_EQ(graphile[0].labels["description"], "users");
  auto sequelize = samples.all("migration_current_version_info", {{"tool", "sequelize"}});
  ASSERT_EQ(sequelize.size(), 1u);
  EXPECT_EQ(sequelize[0].labels["version"], "20260102000000-add-email.js");
}

TEST(HistoryDetection, TheSchemasOptionLimitsDetection) {
  TestDatabase db;
  build_many_tools(db);
  auto session = monitor_session(db);
  const auto samples =
      collect(*make_collector("history", R"(schemas = ["go_app", "laravel_app"])"), *session);
  EXPECT_EQ(detected(samples), (std::set<std::string>{"go_app.schema_migrations=golang-migrate",
                                                      "laravel_app.migrations=laravel"}));
}

TEST(HistoryDetection, AConfiguredTableWithoutTheToolsColumnsIsReportedDown) {
  TestDatabase db;
  build_many_tools(db);
  auto session = monitor_session(db);
  // The stranger's public.migrations is not TypeORM's; a typo'd tool choice must not be read.
  const auto samples = collect(*make_collector("history", R"(auto_detect = false
tables = [{ tool = "typeorm", schema = "public", table = "migrations" },
          { tool = "rails", schema = "dbmate_app", table = "schema_migrations" }])"),
                               *session);
  EXPECT_EQ(samples.get("migration_history_up", {{"schema", "public"}, {"tool", "typeorm"}}), 0);
  // Explicit tables skip the companion check: dbmate's table read as Rails' is the same shape.
  EXPECT_EQ(samples.get("migration_history_up", {{"schema", "dbmate_app"}, {"tool", "rails"}}), 1);
  EXPECT_EQ(samples.get("migration_applied", {{"schema", "dbmate_app"}}), 3);
}

TEST(HistoryDetection, InfoSeriesStayCappedPerTable) {
  TestDatabase db;
  db.exec(
      "CREATE TABLE IF NOT EXISTS \"SequelizeMeta\" (\"name\" VARCHAR(255) NOT NULL UNIQUE, "
      "PRIMARY KEY (\"name\")); INSERT INTO \"SequelizeMeta\" SELECT (20260101000000 + i) || "
      "'-m.js' FROM generate_series(1, 500) AS i");
  db.grant_select("public.\"SequelizeMeta\"");
  auto session = monitor_session(db);
  const auto samples = collect(*make_collector("history", "info_limit = 4"), *session);
  EXPECT_EQ(samples.get("migration_applied"), 500);
  auto info = samples.all("migration_info");
  ASSERT_EQ(info.size(), 4u);
  std::set<std::string> versions;
  for (auto& sample : info) versions.insert(sample.labels["version"]);
  EXPECT_EQ(versions, (std::set<std::string>{"20260101000497-m.js", "20260101000498-m.js",
                                             "20260101000499-m.js", "20260101000500-m.js"}));
}
