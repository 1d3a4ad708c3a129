// History rows no tool writes but a hand-edited or hand-made table holds: versions that are not
// numbers, NULLs where the tool writes '' or false, negative durations, infinite timestamps, and a
// description of a megabyte. Each must give sane series, never a wrong current version, a
// duplicate series or a label Prometheus would reject.
#include <gtest/gtest.h>

#include <cmath>

#include "core/metric_builder.h"
#include "tests/support/metrics_text.h"
#include "tests/support/test_pg.h"

using namespace mexp::test;

namespace {

// Flyway's columns with the NOT NULLs dropped, as a hand-made table might have them.
void create_loose_flyway_table(TestDatabase& db) {
  db.exec(
      "CREATE TABLE flyway_schema_history (installed_rank int PRIMARY KEY, version varchar(50), "
      "description text, type varchar(20), script varchar(1000), checksum int, installed_by "
      "varchar(100), installed_on timestamp, execution_time int, success boolean)");
  db.grant_select("flyway_schema_history");
  db.exec("ALTER DATABASE " + db.name() + " SET timezone = 'UTC'");
}

const std::map<std::string, std::string> kTable = {{"tool", "flyway"},
                                                   {"table", "flyway_schema_history"}};
constexpr double kJan1 = 1767225600;  // 2026-01-01 00:00:00 UTC

}  // namespace

TEST(HistoryHostileRows, VersionsThatAreNotNumbersNeverBecomeTheCurrentVersion) {
  TestDatabase db;
  create_loose_flyway_table(db);
  db.exec(
      "INSERT INTO flyway_schema_history VALUES "
      "(1, '1', 'init', 'SQL', 'V1__init.sql', NULL, 'ci', '2026-01-01 00:01', 10, true), "
      "(2, '2', 'orders', 'SQL', 'V2__orders.sql', NULL, 'ci', '2026-01-01 00:02', 10, true), "
      "(3, 'v3', 'typo', 'SQL', 'Vv3__typo.sql', NULL, 'ci', '2026-01-01 00:03', 10, true), "
      "(4, 'abc', 'letters', 'SQL', 'Vabc__letters.sql', NULL, 'ci', '2026-01-01 00:04', 10, "
      "true), "
      "(5, '2.x', 'half', 'SQL', 'V2_x__half.sql', NULL, 'ci', '2026-01-01 00:05', 10, true)");
  auto session = monitor_session(db);
  const auto current =
      collect(*make_collector("history"), *session).all("migration_current_version_info", kTable);
  ASSERT_EQ(current.size(), 1u);
  EXPECT_EQ(current[0].labels.at("version"), "2");
}

TEST(HistoryHostileRows, RowsThatDifferOnlyByNullVersusEmptyOrFalseAreOneInfoSeries) {
  TestDatabase db;
  create_loose_flyway_table(db);
  db.exec(
      "INSERT INTO flyway_schema_history VALUES "
      "(1, '1', NULL, 'SQL', 'V1.sql', NULL, 'ci', '2026-01-01 00:01', 10, true), "
      "(2, '1', '', 'SQL', 'V1.sql', NULL, 'ci', '2026-01-01 00:02', 10, true), "
      "(3, '2', 'two', 'SQL', 'V2.sql', NULL, NULL, '2026-01-01 00:03', 10, false), "
      "(4, '2', 'two', 'SQL', 'V2.sql', NULL, '', '2026-01-01 00:04', 10, NULL)");
  auto session = monitor_session(db);
  const auto samples = collect(*make_collector("history", "info_limit = 20"), *session);
  const auto one = samples.all("migration_info", {{"version", "1"}});
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].labels.at("description"), "");
  const auto two = samples.all("migration_info", {{"version", "2"}});
  ASSERT_EQ(two.size(), 1u);
  EXPECT_EQ(two[0].labels.at("success"), "false");
  EXPECT_EQ(two[0].labels.at("installed_by"), "");
}

TEST(HistoryHostileRows, NegativeDurationsCountAsZeroAndInfiniteTimestampsAreDropped) {
  TestDatabase db;
  create_loose_flyway_table(db);
  db.exec(
      "INSERT INTO flyway_schema_history VALUES "
      "(1, '1', 'init', 'SQL', 'V1.sql', NULL, 'ci', '-infinity', 2000, true), "
      "(2, '2', 'clock step', 'SQL', 'V2.sql', NULL, 'ci', '2026-01-01 00:02', 500, true), "
      "(3, '3', 'future', 'SQL', 'V3.sql', NULL, 'ci', 'infinity', 1000, false), "
      "(4, '4', 'negative', 'SQL', 'V4.sql', NULL, 'ci', '2026-01-01 00:04', -5000, true)");
  auto session = monitor_session(db);
  const auto samples = collect(*make_collector("history"), *session);
  // The latest run's -5 s is 0 s; the histogram holds 2 s, 0.5 s and 0 s (the failed run is not
  // in it), never a negative sum.
  EXPECT_EQ(samples.get("migration_last_duration_seconds", kTable), 0);
  EXPECT_EQ(samples.get("migration_duration_seconds_count", kTable), 3);
  EXPECT_DOUBLE_EQ(*samples.get("migration_duration_seconds_sum", kTable), 2.5);
  EXPECT_EQ(samples.get("migration_duration_seconds_bucket",
                        {{"table", "flyway_schema_history"}, {"le", "0.1"}}),
            1);
  // +infinity and -infinity are no time at all: the latest real times are what is exported.
  EXPECT_EQ(samples.get("migration_last_applied_timestamp_seconds", kTable), kJan1 + 4 * 60);
  EXPECT_EQ(samples.get("migration_last_success_timestamp_seconds", kTable), kJan1 + 4 * 60);
  EXPECT_EQ(samples.get("migration_last_failure_timestamp_seconds", kTable), std::nullopt);
  for (const char* name :
       {"migration_last_applied_timestamp_seconds", "migration_last_success_timestamp_seconds",
        "migration_last_duration_seconds", "migration_duration_seconds_sum"}) {
    for (const auto& sample : samples.all(name)) {
      EXPECT_TRUE(std::isfinite(sample.value) && sample.value >= 0) << name << " " << sample.value;
    }
  }
}

TEST(HistoryHostileRows, AMegabyteDescriptionIsCutToTheLabelLimitAndMarked) {
  TestDatabase db;
  create_loose_flyway_table(db);
  // Two repeatable runs whose megabyte descriptions differ only past the cut: as labels they are
  // the same, so they are one series.
  db.exec(
      "INSERT INTO flyway_schema_history VALUES "
      "(1, NULL, repeat('d', 1048576) || 'one', 'SQL', 'R__big.sql', NULL, 'ci', "
      "'2026-01-01 00:01', 10, true), "
      "(2, NULL, repeat('d', 1048576) || 'two', 'SQL', 'R__big.sql', NULL, 'ci', "
      "'2026-01-01 00:02', 10, true), "
      "(3, '1', 'short', 'SQL', 'V1.sql', NULL, 'ci', '2026-01-01 00:03', 10, true)");
  auto session = monitor_session(db);
  const auto samples = collect(*make_collector("history", "info_limit = 20"), *session);
  const auto big = samples.all("migration_info", {{"script", "R__big.sql"}});
  ASSERT_EQ(big.size(), 1u);
  const auto& description = big[0].labels.at("description");
  EXPECT_EQ(description.size(), mexp::kMaxLabelValueBytes);
  EXPECT_EQ(description, std::string(mexp::kMaxLabelValueBytes - 3, 'd') +
                             std::string(mexp::kLabelValueCutMarker));
  EXPECT_EQ(samples.all("migration_info", {{"description", "short"}}).size(), 1u);
}
