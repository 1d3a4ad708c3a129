// The poller keeps the live collectors fresh whatever the history tables cost: with three views
// named flyway_schema_history that take a second each, a session that opens or ends a transaction
// shows in the snapshot within a fraction of a second, every time, not once per history poll.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "exporter/config.h"
#include "exporter/poller.h"
#include "exporter/snapshot.h"
#include "tests/support/flyway_fixture.h"
#include "tests/support/metrics_text.h"
#include "tests/support/test_pg.h"

using namespace mexp::test;

namespace {

using Clock = std::chrono::steady_clock;

mexp::TargetConfig target_config(const std::string& conninfo) {
  const std::string toml = R"(statement_timeout = "5s"
[collectors.history]
interval = "100ms"
[collectors.activity]
interval = "100ms"
[collectors.locks]
enabled = false
[collectors.migration_progress]
enabled = false
[collectors.tables]
enabled = false
[collectors.indexes]
enabled = false
[collectors.replication]
enabled = false
[[targets]]
name = "app"
dsn = ")" + conninfo + "\"\n";
  mexp::ConfigErrors errors;
  auto config = mexp::load_config_text(toml, {"lanes.toml", std::chrono::seconds(15)}, errors);
  if (!config) throw std::runtime_error("lanes.toml: " + errors.joined());
  return config->targets.at(0);
}

Samples snapshot(const mexp::SnapshotStore& store) {
  return Samples(parse_exposition(store.current()->joined_text()));
}

// Waits up to `limit` for the snapshot's `name{labels}` to be `value`; returns how long it took,
// or nullopt when it never was.
std::optional<double> seconds_until(const mexp::SnapshotStore& store, const std::string& name,
                                    const std::map<std::string, std::string>& labels, double value,
                                    std::chrono::milliseconds limit) {
  const auto started = Clock::now();
  while (Clock::now() - started < limit) {
    if (snapshot(store).get(name, labels) == value)
      return std::chrono::duration<double>(Clock::now() - started).count();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return std::nullopt;
}

}  // namespace

TEST(PollerLanes, LiveFamiliesStayFreshWhileSlowHistoryTablesArePolled) {
  TestDatabase db;
  for (const char* schema : {"slow_a", "slow_b", "slow_c"}) create_slow_flyway_view(db, schema, 1);
  mexp::SnapshotStore store(nullptr);
  mexp::Poller poller(target_config(db.monitor_conninfo()), false, store);
  poller.start();
  // The first history poll takes ~3 s; from then on one is always running.
  ASSERT_TRUE(seconds_until(store, "migration_history_up", {{"schema", "slow_c"}}, 1,
                            std::chrono::seconds(10))
                  .has_value());

  SqlSession application(db.name());
  const std::map<std::string, std::string> idle = {{"datname", db.name()}};
  for (int toggle = 0; toggle < 4; ++toggle) {
    const bool open = toggle % 2 == 0;
    application.exec(open ? "BEGIN; SELECT 1" : "COMMIT");
    const auto seen = seconds_until(store, "pg_idle_in_transaction_sessions", idle, open ? 1 : 0,
                                    std::chrono::milliseconds(800));
    ASSERT_TRUE(seen.has_value()) << "the snapshot did not show the transaction "
                                  << (open ? "open" : "closed")
                                  << " within 0.8 s while history tables took 3 s";
    RecordProperty("toggle_" + std::to_string(toggle) + "_ms", static_cast<int>(*seen * 1000));
  }
  const auto now = snapshot(store);
  EXPECT_EQ(now.get("pg_up"), 1);
  EXPECT_EQ(now.get("migration_exporter_collector_success", {{"collector", "activity"}}), 1);
  EXPECT_EQ(now.get("migration_exporter_collector_success", {{"collector", "history"}}), 1);
  EXPECT_TRUE(poller.first_poll_done());
  poller.stop();
}
