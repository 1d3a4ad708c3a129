// How much one poll of the history collector may cost, whatever the database holds: at most
// max_tables tables, no table started once the budget is spent (the rest are read first next
// poll), and a table that always exceeds statement_timeout tried less and less often.
#include <gtest/gtest.h>

#include <chrono>

#include "tests/support/flyway_fixture.h"
#include "tests/support/metrics_text.h"
#include "tests/support/test_pg.h"

using namespace mexp::test;

namespace {

using Clock = std::chrono::steady_clock;

struct TimedCollect {
  Samples samples;
  double seconds;
};

TimedCollect timed_collect(mexp::Collector& collector, mexp::PgSession& session) {
  const auto started = Clock::now();
  auto samples = collect(collector, session);
  return {std::move(samples), std::chrono::duration<double>(Clock::now() - started).count()};
}

}  // namespace

TEST(HistoryPacing, AtMostMaxTablesAreExportedConfiguredOnesFirstAndTheRestCounted) {
  TestDatabase db;
  for (const char* schema : {"tenant_a", "tenant_b", "tenant_c", "tenant_d", "tenant_e"})
    create_flyway_table(db, schema, "flyway_schema_history");
  auto session = monitor_session(db);
  const auto samples = collect(*make_collector("history", R"(max_tables = 3
tables = [{ tool = "flyway", schema = "tenant_e", table = "flyway_schema_history" }])"),
                               *session);
  std::vector<std::string> exported;
  for (const auto& sample : samples.all("migration_history_up"))
    exported.push_back(sample.labels.at("schema"));
  EXPECT_EQ(exported, (std::vector<std::string>{"tenant_e", "tenant_a", "tenant_b"}));
  EXPECT_EQ(samples.get("migration_exporter_history_tables_dropped"), 2);
}

TEST(HistoryPacing, ABudgetStopsStartingTablesAndTheRestAreReadFirstNextPoll) {
  TestDatabase db;
  for (const char* schema : {"slow_a", "slow_b", "slow_c", "slow_d"})
    create_slow_flyway_view(db, schema, 0.4);
  auto session = monitor_session(db);
  auto collector = make_collector("history", R"(budget = "500ms")");

  // 0.4 s each: a and b start inside the 0.5 s budget, c and d wait for the next poll.
  const auto first = timed_collect(*collector, *session);
  EXPECT_LT(first.seconds, 1.3);
  EXPECT_EQ(first.samples.get("migration_exporter_history_tables_deferred"), 2);
  EXPECT_EQ(first.samples.all("migration_history_up").size(), 2u);
  EXPECT_EQ(first.samples.get("migration_history_up", {{"schema", "slow_a"}}), 1);
  EXPECT_EQ(first.samples.get("migration_history_up", {{"schema", "slow_c"}}), std::nullopt);

  // The next poll reads c and d and serves a and b from the first: every table is exported.
  const auto second = timed_collect(*collector, *session);
  EXPECT_LT(second.seconds, 1.3);
  EXPECT_EQ(second.samples.get("migration_exporter_history_tables_deferred"), 2);
  for (const char* schema : {"slow_a", "slow_b", "slow_c", "slow_d"}) {
    EXPECT_EQ(second.samples.get("migration_history_up", {{"schema", schema}}), 1) << schema;
    EXPECT_EQ(second.samples.get("migration_applied", {{"schema", schema}}), 1) << schema;
  }
}

TEST(HistoryPacing, ATableThatAlwaysTimesOutIsTriedAfterOneThenTwoSkippedPolls) {
  TestDatabase db;
  create_slow_flyway_view(db, "hopeless", 5);
  create_flyway_table(db, "public", "flyway_schema_history");
  mexp::SessionSettings settings;
  settings.conninfo = db.monitor_conninfo();
  settings.password = kMonitorPassword;
  settings.statement_timeout = std::chrono::milliseconds(300);
  mexp::PgSession session(settings);
  session.connect();
  auto collector = make_collector("history");

  // Poll 1 pays the timeout; 2 skips; 3 pays it again; 4 and 5 skip; 6 tries again.
  const std::vector<bool> attempted = {true, false, true, false, false, true};
  for (std::size_t poll = 0; poll < attempted.size(); ++poll) {
    const auto run = timed_collect(*collector, session);
    if (attempted[poll]) {
      EXPECT_GE(run.seconds, 0.3) << "poll " << poll + 1 << " should have tried the table";
    } else {
      EXPECT_LT(run.seconds, 0.25) << "poll " << poll + 1 << " should have skipped the table";
    }
    EXPECT_EQ(run.samples.get("migration_history_up", {{"schema", "hopeless"}}), 0);
    EXPECT_EQ(run.samples.get("migration_exporter_history_tables_backing_off"), 1);
    // The healthy table beside it is read every poll.
    EXPECT_EQ(run.samples.get("migration_history_up", {{"schema", "public"}}), 1);
  }
}
