// The history collector on Flyway tables, against the real server: every row type, failures,
// repeatables, undo and repair rows, schemas and custom names, privileges, and a locked table.
#include <gtest/gtest.h>

#include <chrono>

#include "tests/support/flyway_fixture.h"
#include "tests/support/metrics_text.h"
#include "tests/support/test_pg.h"

using namespace mexp::test;

namespace {

constexpr double kJan1 = 1767225600;  // 2026-01-01 00:00:00 UTC
std::string at_minute(int minute) {
  char text[32];
  std::snprintf(text, sizeof text, "2026-01-01 %02d:%02d:00", minute / 60, minute % 60);
  return text;
}

const std::map<std::string, std::string> kPublicTable = {
    {"tool", "flyway"}, {"schema", "public"}, {"table", "flyway_schema_history"}};

// A history with every row type Flyway writes on PostgreSQL.
void seed_every_row_type(TestDatabase& db) {
  create_flyway_table(db, "public", "flyway_schema_history");
  const std::string t = "public.flyway_schema_history";
  insert_flyway_row(db, t, 0, "", "<< Flyway Schema Creation >>", "SCHEMA", "\"public\"",
                    at_minute(0), 0, true);
  insert_flyway_row(db, t, 1, "1", "<< Flyway Baseline >>", "BASELINE", "<< Flyway Baseline >>",
                    at_minute(1), 0, true);
  insert_flyway_row(db, t, 2, "1.1", "create orders", "SQL", "V1_1__create_orders.sql",
                    at_minute(2), 1200, true);
  insert_flyway_row(db, t, 3, "1.2", "add index", "SQL", "V1_2__add_index.sql", at_minute(3), 45000,
                    true);
  insert_flyway_row(db, t, 4, "1.10", "backfill", "JDBC", "db.migration.V1_10__backfill",
                    at_minute(4), 250, true);
  insert_flyway_row(db, t, 5, "2.0", "concurrent index", "SQL", "V2_0__concurrent_index.sql",
                    at_minute(5), 700, false);
  insert_flyway_row(db, t, 6, "", "views", "SQL", "R__views.sql", at_minute(6), 80, true);
  insert_flyway_row(db, t, 7, "", "views", "SQL", "R__views.sql", at_minute(7), 90, true);
  insert_flyway_row(db, t, 8, "1.10", "backfill", "UNDO_SQL", "U1_10__backfill.sql", at_minute(8),
                    30, true);
  insert_flyway_row(db, t, 9, "1.3", "temp", "SQL", "V1_3__temp.sql", at_minute(9), 10, true);
  insert_flyway_row(db, t, 10, "1.3", "temp", "DELETE", "V1_3__temp.sql", at_minute(10), 0, true);
  insert_flyway_row(db, t, 11, "1.2.1", "fancy", "FANCY_NEW_TYPE", "V1_2_1__fancy.sql",
                    at_minute(11), 5, true);
  db.exec("ALTER DATABASE " + db.name() + " SET timezone = 'UTC'");
}

}  // namespace

TEST(HistoryFlyway, EveryRowTypeIsCountedTheWayFlywayUsersExpect) {
  TestDatabase db;
  seed_every_row_type(db);
  auto session = monitor_session(db);
  auto collector = make_collector("history", "info_limit = 5");
  const auto samples = collect(*collector, *session);

  EXPECT_EQ(samples.get("migration_history_up", kPublicTable), 1);
  // Applied: versioned and repeatable runs (each re-run counts) and the unknown type; not the
  // SCHEMA marker, the synthetic BASELINE, the failed run, the undo or the DELETE row.
  EXPECT_EQ(samples.get("migration_applied", kPublicTable), 7);
  EXPECT_EQ(samples.get("migration_failed", kPublicTable), 1);
  EXPECT_EQ(samples.get("migration_rollbacks", kPublicTable), 1);
  // 1.10 was undone and 1.3 deleted by repair; 2.0 failed: the highest applied is 1.2.1 (> 1.2).
  auto current = samples.all("migration_current_version_info", kPublicTable);
  ASSERT_EQ(current.size(), 1u);
  EXPECT_EQ(current[0].labels["version"], "1.2.1");
  EXPECT_EQ(current[0].labels["description"], "fancy");
  EXPECT_EQ(samples.get("migration_last_applied_timestamp_seconds", kPublicTable), kJan1 + 11 * 60);
  EXPECT_EQ(samples.get("migration_last_success_timestamp_seconds", kPublicTable), kJan1 + 11 * 60);
  EXPECT_EQ(samples.get("migration_last_failure_timestamp_seconds", kPublicTable), kJan1 + 5 * 60);
  EXPECT_DOUBLE_EQ(*samples.get("migration_last_duration_seconds", kPublicTable), 0.005);

  // Durations of the 7 successful runs: 1.2, 45, 0.25, 0.08, 0.09, 0.01, 0.005 seconds.
  EXPECT_EQ(samples.get("migration_duration_seconds_count", kPublicTable), 7);
  EXPECT_NEAR(*samples.get("migration_duration_seconds_sum", kPublicTable), 46.635, 1e-9);
  const std::map<std::string, double> buckets = {{"0.1", 4}, {"0.5", 5}, {"1", 5},    {"5", 6},
                                                 {"30", 6},  {"60", 7},  {"3600", 7}, {"+Inf", 7}};
  for (const auto& [le, count] : buckets) {
    auto match = kPublicTable;
    match["le"] = le;
    EXPECT_EQ(samples.get("migration_duration_seconds_bucket", match), count) << "le=" << le;
  }

  // The 5 latest rows, with unknown types grouped as "other".
  auto info = samples.all("migration_info", kPublicTable);
  ASSERT_EQ(info.size(), 5u);
  auto undo = samples.all("migration_info", {{"type", "UNDO_SQL"}});
  ASSERT_EQ(undo.size(), 1u);
  EXPECT_EQ(undo[0].labels["version"], "1.10");
  EXPECT_EQ(undo[0].labels["script"], "U1_10__backfill.sql");
  EXPECT_EQ(undo[0].labels["installed_by"], "deployer");
  EXPECT_EQ(undo[0].labels["success"], "true");
  EXPECT_EQ(samples.all("migration_info", {{"type", "other"}, {"version", "1.2.1"}}).size(), 1u);
  EXPECT_EQ(samples.all("migration_info", {{"type", "DELETE"}, {"version", "1.3"}}).size(), 1u);
  EXPECT_EQ(samples.all("migration_info", {{"version", ""}, {"description", "views"}}).size(), 1u);
}

TEST(HistoryFlyway, RepeatedIdenticalRowsBecomeOneInfoSeries) {
  TestDatabase db;
  seed_every_row_type(db);
  auto session = monitor_session(db);
  // The 10 latest rows include the repeatable R__views.sql twice with identical labels.
  const auto samples = collect(*make_collector("history"), *session);
  EXPECT_EQ(samples.all("migration_info", kPublicTable).size(), 9u);
  EXPECT_EQ(samples.all("migration_info", {{"script", "R__views.sql"}}).size(), 1u);
}

TEST(HistoryFlyway, VersionsCompareAsDottedNumbersNotText) {
  TestDatabase db;
  create_flyway_table(db, "public", "flyway_schema_history");
  const std::string t = "public.flyway_schema_history";
  auto session = monitor_session(db);
  auto collector = make_collector("history");
  const auto current_version = [&] {
    auto current = collect(*collector, *session).all("migration_current_version_info");
    return current.size() == 1 ? current[0].labels["version"] : std::string("<none>");
  };
  insert_flyway_row(db, t, 1, "1.9", "a", "SQL", "V1_9__a.sql", at_minute(1), 1, true);
  insert_flyway_row(db, t, 2, "1.10", "b", "SQL", "V1_10__b.sql", at_minute(2), 1, true);
  EXPECT_EQ(current_version(), "1.10");  // text order would say 1.9
  insert_flyway_row(db, t, 3, "1.10.5", "c", "SQL", "V1_10_5__c.sql", at_minute(3), 1, true);
  EXPECT_EQ(current_version(), "1.10.5");
  insert_flyway_row(db, t, 4, "2", "d", "SQL", "V2__d.sql", at_minute(4), 1, true);
  EXPECT_EQ(current_version(), "2");
  insert_flyway_row(db, t, 5, "2024.01.05.1", "e", "SQL", "V2024_01_05_1__e.sql", at_minute(5), 1,
                    true);
  EXPECT_EQ(current_version(), "2024.01.05.1");
  insert_flyway_row(db, t, 6, "2024.01.05.1", "e", "UNDO_SQL", "U2024_01_05_1__e.sql", at_minute(6),
                    1, true);
  EXPECT_EQ(current_version(), "2");  // undone: back to the previous version
}

TEST(HistoryFlyway, SchemasAndCustomTableNamesFromConfigAndDetection) {
  TestDatabase db;
  create_flyway_table(db, "app", "flyway_schema_history");
  create_flyway_table(db, "Billing",
                      "schema_history");  // a quoted, mixed-case schema and a custom name
  insert_flyway_row(db, "app.flyway_schema_history", 1, "1", "init", "SQL", "V1__init.sql",
                    at_minute(1), 10, true);
  insert_flyway_row(db, "\"Billing\".schema_history", 1, "7", "seven", "SQL", "V7__seven.sql",
                    at_minute(1), 10, true);
  insert_flyway_row(db, "\"Billing\".schema_history", 2, "8", "eight", "SQL", "V8__eight.sql",
                    at_minute(2), 10, true);
  auto session = monitor_session(db);

  const auto both = collect(
      *make_collector(
          "history",
          R"(tables = [{ tool = "flyway", schema = "Billing", table = "schema_history" }])"),
      *session);
  EXPECT_EQ(both.get("migration_applied", {{"schema", "app"}, {"table", "flyway_schema_history"}}),
            1);
  EXPECT_EQ(both.get("migration_applied", {{"schema", "Billing"}, {"table", "schema_history"}}), 2);

  const auto only_explicit = collect(*make_collector("history",
                                                     R"(auto_detect = false
tables = [{ tool = "flyway", schema = "Billing", table = "schema_history" }])"),
                                     *session);
  EXPECT_EQ(only_explicit.all("migration_history_up").size(), 1u);
  EXPECT_EQ(only_explicit.get("migration_history_up", {{"schema", "Billing"}}), 1);

  const auto only_app = collect(*make_collector("history", R"(schemas = ["app"])"), *session);
  EXPECT_EQ(only_app.all("migration_history_up").size(), 1u);
  EXPECT_EQ(only_app.get("migration_history_up", {{"schema", "app"}}), 1);
}

TEST(HistoryFlyway, ADatabaseWithoutHistoryExportsNoHistorySeries) {
  TestDatabase db;
  db.exec("CREATE TABLE orders (id int)");
  auto session = monitor_session(db);
  const auto samples = collect(*make_collector("history"), *session);
  EXPECT_EQ(samples.size(), 0u);
}

TEST(HistoryFlyway, UnreadableOrMissingTablesReportHistoryDown) {
  TestDatabase db;
  create_flyway_table(db, "locked_away", "flyway_schema_history", /*grant=*/false);
  auto session = monitor_session(db);
  const auto samples =
      collect(*make_collector(
                  "history",
                  R"(tables = [{ tool = "flyway", schema = "public", table = "gone_history" }])"),
              *session);
  EXPECT_EQ(samples.get("migration_history_up", {{"schema", "locked_away"}}), 0);
  EXPECT_EQ(samples.get("migration_history_up", {{"schema", "public"}, {"table", "gone_history"}}),
            0);
  EXPECT_FALSE(samples.get("migration_applied", {{"schema", "locked_away"}}).has_value());
}

TEST(HistoryFlyway, TimestampsAreReadInTheConfiguredTimeZone) {
  TestDatabase db;
  create_flyway_table(db, "public", "flyway_schema_history");
  insert_flyway_row(db, "public.flyway_schema_history", 1, "1", "init", "SQL", "V1__init.sql",
                    "2026-01-01 01:00:00", 10, true);
  mexp::SessionSettings settings;
  settings.conninfo = db.monitor_conninfo();
  settings.password = kMonitorPassword;
  settings.time_zone = "Europe/Paris";  // UTC+1 in January
  mexp::PgSession session(settings);
  session.connect();
  const auto samples = collect(*make_collector("history"), session);
  EXPECT_EQ(samples.get("migration_last_applied_timestamp_seconds"), kJan1);
}

TEST(HistoryFlyway, LabelValuesWithQuotesBackslashesAndNewlinesSurviveTheExposition) {
  TestDatabase db;
  create_flyway_table(db, "public", "flyway_schema_history");
  const std::string tricky = "it's \"quoted\" \\ back\nslash ✓";
  insert_flyway_row(db, "public.flyway_schema_history", 1, "1", tricky, "SQL", "V1__x.sql",
                    at_minute(1), 10, true);
  auto session = monitor_session(db);
  const auto samples = collect(*make_collector("history"), *session);
  auto info = samples.all("migration_info");
  ASSERT_EQ(info.size(), 1u);
  EXPECT_EQ(info[0].labels["description"], tricky);
}

TEST(HistoryFlyway, ALockedHistoryTableNeitherBlocksThePollNorFlapsHistoryUp) {
  TestDatabase db;
  seed_every_row_type(db);
  auto session = monitor_session(db);
  auto collector = make_collector("history");
  ASSERT_EQ(collect(*collector, *session).get("migration_applied", kPublicTable), 7);

  SqlSession migration(db.name());
  migration.exec("BEGIN");
  migration.exec("LOCK TABLE public.flyway_schema_history IN ACCESS EXCLUSIVE MODE");
  const auto started = std::chrono::steady_clock::now();
  const auto samples = collect(*collector, *session);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_LT(elapsed, std::chrono::seconds(2))
      << "the poll must give up on the lock (lock_timeout), not wait";
  EXPECT_EQ(samples.get("migration_history_up", kPublicTable), 1);
  EXPECT_EQ(samples.get("migration_applied", kPublicTable), 7)
      << "last poll's values are kept while locked";
  migration.exec("ROLLBACK");
}
