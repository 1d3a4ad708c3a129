// The activity collector against real sessions in known states.
#include <gtest/gtest.h>

#include <thread>

#include "tests/support/collector_run.h"
#include "tests/support/lock_scenario.h"
#include "tests/support/metrics_text.h"
#include "tests/support/test_pg.h"

using mexp::test::collect;
using mexp::test::SqlSession;
using mexp::test::TestDatabase;

namespace {

void wait_until(SqlSession& observer, int pid, const std::string& condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (observer.exec("SELECT count(*) FROM pg_stat_activity WHERE pid = " + std::to_string(pid) +
                      " AND " + condition) == "1")
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  FAIL() << "backend " << pid << " never reached " << condition;
}

}  // namespace

TEST(ActivityCollector, SessionsByStateLeaveOutTheExportersOwnBackend) {
  TestDatabase db;  // its admin session is one idle connection
  auto session = mexp::test::monitor_session(db);
  auto collector = mexp::test::make_collector("activity");
  SqlSession idle1(db.name()), idle2(db.name()), sleeper(db.name()), in_transaction(db.name()),
      aborted(db.name()), observer(db.name());
  sleeper.send("SELECT pg_sleep(30)");
  wait_until(observer, sleeper.pid(), "state = 'active' AND wait_event = 'PgSleep'");
  in_transaction.exec("BEGIN; SELECT 1");
  aborted.exec("BEGIN");
  EXPECT_THROW(aborted.exec("SELECT 1/0"), std::runtime_error);

  const auto families = collect(*collector, *session);
  const auto count = [&](const char* state) {
    return families.get("pg_stat_activity_count", {{"datname", db.name()}, {"state", state}});
  };
  EXPECT_EQ(count("idle"), 4);    // admin, idle1, idle2, observer
  EXPECT_EQ(count("active"), 1);  // the sleeper; the exporter's own query is not counted
  EXPECT_EQ(count("idle in transaction"), 1);
  EXPECT_EQ(count("idle in transaction (aborted)"), 1);
  EXPECT_EQ(count("fastpath function call"), 0);
  EXPECT_EQ(count("disabled"), 0);
  EXPECT_EQ(families.get("pg_idle_in_transaction_sessions", {{"datname", db.name()}}), 2);
  EXPECT_GT(*families.get("pg_idle_in_transaction_max_age_seconds", {{"datname", db.name()}}), 0);
  EXPECT_GT(*families.get("pg_stat_activity_max_tx_duration",
                          {{"datname", db.name()}, {"state", "idle in transaction"}}),
            0);
  EXPECT_EQ(
      families.get("pg_stat_activity_max_tx_duration", {{"datname", db.name()}, {"state", "idle"}}),
      0);
  // pg_sleep waits on a timeout; idle sessions waiting for their client are not "waiting".
  EXPECT_EQ(
      families.get("pg_sessions_waiting", {{"datname", db.name()}, {"wait_event_type", "Timeout"}}),
      1);
  EXPECT_EQ(
      families.get("pg_sessions_waiting", {{"datname", db.name()}, {"wait_event_type", "Client"}}),
      0);

  observer.exec("SELECT pg_cancel_backend(" + std::to_string(sleeper.pid()) + ")");
  sleeper.finish();
  in_transaction.exec("COMMIT");
  aborted.exec("ROLLBACK");
  const auto after = collect(*collector, *session);
  EXPECT_EQ(after.get("pg_stat_activity_count", {{"datname", db.name()}, {"state", "active"}}), 0);
  EXPECT_EQ(after.get("pg_stat_activity_count", {{"datname", db.name()}, {"state", "idle"}}), 7);
  EXPECT_EQ(after.get("pg_idle_in_transaction_sessions", {{"datname", db.name()}}), 0);
  EXPECT_EQ(after.get("pg_idle_in_transaction_max_age_seconds", {{"datname", db.name()}}), 0);
}

TEST(ActivityCollector, LongRunningTransactionsAreThoseOlderThanTheThreshold) {
  TestDatabase db;
  auto session = mexp::test::monitor_session(db);
  auto collector = mexp::test::make_collector("activity", "long_transaction_threshold = \"1s\"");
  SqlSession old_transaction(db.name()), young_transaction(db.name());
  old_transaction.exec("BEGIN; SELECT 1");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  young_transaction.exec("BEGIN; SELECT 1");

  const auto families = collect(*collector, *session);
  EXPECT_EQ(families.get("pg_long_running_transactions", {{"datname", db.name()}}), 1);
  const double oldest =
      *families.get("pg_long_running_transactions_max_age_seconds", {{"datname", db.name()}});
  EXPECT_GE(oldest, 1.5);
  EXPECT_LT(oldest, 10);
  EXPECT_EQ(families.get("pg_idle_in_transaction_sessions", {{"datname", db.name()}}), 2);
  EXPECT_NEAR(*families.get("pg_stat_activity_max_tx_duration",
                            {{"datname", db.name()}, {"state", "idle in transaction"}}),
              oldest, 0.5);

  old_transaction.exec("COMMIT");
  const auto after = collect(*collector, *session);
  EXPECT_EQ(after.get("pg_long_running_transactions", {{"datname", db.name()}}), 0);
  EXPECT_EQ(after.get("pg_long_running_transactions_max_age_seconds", {{"datname", db.name()}}), 0);
  young_transaction.exec("COMMIT");
}

TEST(ActivityCollector, NamesTheOldestLongTransactionsAndTheTablesTheyLock) {
  TestDatabase db;
  db.exec("CREATE TABLE orders (id int); CREATE TABLE customers (id int)");
  for (int i = 0; i < 7; ++i) db.exec("CREATE TABLE extra_" + std::to_string(i) + " (id int)");
  auto session = mexp::test::monitor_session(db);
  auto collector = mexp::test::make_collector(
      "activity", "long_transaction_threshold = \"1s\"\nsession_limit = 2");
  SqlSession holder(db.name()), wide(db.name()), third(db.name()), young(db.name());
  holder.exec("SET application_name = 'report-job'");
  holder.exec("BEGIN; SELECT count(*) FROM orders, customers");
  std::string all_tables = "orders";
  for (int i = 0; i < 7; ++i) all_tables += ", extra_" + std::to_string(i);
  wide.exec("BEGIN; SELECT count(*) FROM " + all_tables);
  third.exec("BEGIN; SELECT 1");
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  young.exec("BEGIN; SELECT count(*) FROM orders");

  const auto families = collect(*collector, *session);
  const auto named =
      families.all("pg_long_running_transaction_session_age_seconds", {{"datname", db.name()}});
  ASSERT_EQ(named.size(), 2u) << "session_limit = 2 of the 3 transactions past 1s";
  // The oldest first: holder, then wide; the third is counted as dropped, the young one not at all.
  const auto& first =
      named[0].labels.at("pid") == std::to_string(holder.pid()) ? named[0] : named[1];
  const auto& second = &first == &named[0] ? named[1] : named[0];
  EXPECT_EQ(first.labels.at("pid"), std::to_string(holder.pid()));
  EXPECT_EQ(first.labels.at("application_name"), "report-job");
  EXPECT_EQ(first.labels.at("usename"), "postgres");
  EXPECT_EQ(first.labels.at("state"), "idle in transaction");
  EXPECT_EQ(first.labels.at("relations"), "public.customers,public.orders");
  EXPECT_GE(first.value, 1.2);
  EXPECT_EQ(second.labels.at("pid"), std::to_string(wide.pid()));
  EXPECT_EQ(second.labels.at("relations"),
            "public.extra_0,public.extra_1,public.extra_2,public.extra_3,public.extra_4,+3 more");
  EXPECT_EQ(families.get("pg_long_running_transactions", {{"datname", db.name()}}), 3);
  EXPECT_EQ(families.get("pg_long_running_transaction_sessions_dropped", {{"datname", db.name()}}),
            1);

  holder.exec("COMMIT");
  wide.exec("COMMIT");
  third.exec("COMMIT");
  young.exec("COMMIT");
  const auto after = collect(*collector, *session);
  EXPECT_TRUE(after.all("pg_long_running_transaction_session_age_seconds", {{"datname", db.name()}})
                  .empty());
  EXPECT_EQ(after.get("pg_long_running_transaction_sessions_dropped", {{"datname", db.name()}}), 0);
}

TEST(ActivityCollector, CountsTheSessionsARoleWithoutPgMonitorCannotSee) {
  TestDatabase db;  // its admin session is a superuser's: hidden from a plain role
  const std::string role = "plain_" + db.name();
  db.exec("CREATE ROLE \"" + role + "\" LOGIN");
  {
    SqlSession other(db.name());
    other.exec("BEGIN; SELECT 1");
    auto collector = mexp::test::make_collector("activity");
    mexp::SessionSettings plain;
    plain.conninfo = mexp::test::cluster_conninfo(db.name(), role);
    mexp::PgSession unprivileged(plain);
    unprivileged.connect();
    const auto blind = collect(*collector, unprivileged);
    EXPECT_GE(*blind.get("pg_stat_activity_hidden_sessions", {{"datname", db.name()}}), 2);
    // What it cannot see it does not count: the open transaction is missing here.
    EXPECT_EQ(blind.get("pg_idle_in_transaction_sessions", {{"datname", db.name()}}), 0);

    auto monitor = mexp::test::monitor_session(db);
    const auto seeing = collect(*collector, *monitor);
    EXPECT_EQ(seeing.get("pg_stat_activity_hidden_sessions", {{"datname", db.name()}}), 0);
    EXPECT_EQ(seeing.get("pg_idle_in_transaction_sessions", {{"datname", db.name()}}), 1);
    other.exec("COMMIT");
  }
  db.exec("DROP ROLE \"" + role + "\"");
}

TEST(ActivityCollector, WaitsByEventTypeShowSessionsQueuedForALock) {
  TestDatabase db;
  db.exec("CREATE TABLE orders (id int)");
  auto session = mexp::test::monitor_session(db);
  auto collector = mexp::test::make_collector("activity");
  SqlSession migration(db.name()), reader1(db.name()), reader2(db.name()), sleeper(db.name()),
      observer(db.name());
  migration.exec("BEGIN; LOCK TABLE orders IN ACCESS EXCLUSIVE MODE");
  reader1.send("SELECT * FROM orders");
  reader2.send("SELECT * FROM orders");
  sleeper.send("SELECT pg_sleep(30)");
  mexp::test::wait_until_waiting_for_lock(observer, reader1.pid());
  mexp::test::wait_until_waiting_for_lock(observer, reader2.pid());
  wait_until(observer, sleeper.pid(), "wait_event = 'PgSleep'");

  const auto families = collect(*collector, *session);
  const auto waiting = [&](const char* type) {
    return families.get("pg_sessions_waiting", {{"datname", db.name()}, {"wait_event_type", type}});
  };
  EXPECT_EQ(waiting("Lock"), 2);
  EXPECT_EQ(waiting("Timeout"), 1);
  for (const char* type : {"Activity", "BufferPin", "Client", "Extension", "IO", "IPC", "LWLock"})
    EXPECT_EQ(waiting(type), 0) << type;
  EXPECT_EQ(families.get("pg_stat_activity_count", {{"datname", db.name()}, {"state", "active"}}),
            3);

  migration.exec("COMMIT");
  reader1.finish();
  reader2.finish();
  observer.exec("SELECT pg_cancel_backend(" + std::to_string(sleeper.pid()) + ")");
  sleeper.finish();
  const auto after = collect(*collector, *session);
  EXPECT_EQ(after.get("pg_sessions_waiting", {{"datname", db.name()}, {"wait_event_type", "Lock"}}),
            0);
}

TEST(ActivityCollector, StateFamiliesHavePostgresExportersShapeForEveryDatabase) {
  TestDatabase db;
  auto session = mexp::test::monitor_session(db);
  auto collector = mexp::test::make_collector("activity");
  const auto families = mexp::test::collect_families(*collector, *session);
  const auto samples = mexp::test::Samples::from(families);
  for (const char* family : {"pg_stat_activity_count", "pg_stat_activity_max_tx_duration"}) {
    const auto* found = mexp::test::find_family(families, family);
    ASSERT_NE(found, nullptr) << family;
    EXPECT_EQ(found->type, prometheus::MetricType::Gauge);
    for (const char* datname : {"postgres", "template0", "template1", db.name().c_str()}) {
      const auto rows = samples.all(family, {{"datname", datname}});
      ASSERT_EQ(rows.size(), 6u) << family << " " << datname;
      for (const auto& row : rows) {
        // postgres_exporter 0.20's labels: 0.11's `server` is gone.
        ASSERT_EQ(row.labels.size(), 2u);
        EXPECT_TRUE(row.labels.contains("state"));
      }
    }
  }
  EXPECT_EQ(mexp::test::find_family(families, "pg_stat_activity_count")->help,
            "number of connections in this state");
  EXPECT_EQ(mexp::test::find_family(families, "pg_stat_activity_max_tx_duration")->help,
            "max duration in seconds any active transaction has been running");
}

TEST(ActivityCollector, RejectsAThresholdThatIsNotADuration) {
  const auto errors =
      mexp::test::collector_option_errors("activity", "long_transaction_threshold = 5");
  EXPECT_NE(errors.find("collectors.activity.long_transaction_threshold"), std::string::npos)
      << errors;
  EXPECT_EQ(mexp::test::collector_option_errors("activity", "long_transaction_threshold = \"30s\""),
            "");
}

TEST(ActivityCollector, ARoleWithoutPgReadAllStatsIsReportedInsteadOfCountingZeroSessions) {
  TestDatabase db;
  const std::string role = "no_stats_" + db.name();
  db.exec("CREATE ROLE " + role + " LOGIN");
  SqlSession in_transaction(db.name());
  in_transaction.exec("BEGIN; SELECT 1");
  auto collector = mexp::test::make_collector("activity");

  // The monitor role (pg_monitor) sees the other role's open transaction.
  auto monitor = mexp::test::monitor_session(db);
  const auto with_privilege = collect(*collector, *monitor);
  EXPECT_EQ(with_privilege.get("migration_exporter_activity_all_sessions_visible"), 1);
  EXPECT_EQ(with_privilege.get("pg_idle_in_transaction_sessions", {{"datname", db.name()}}), 1);

  // A role without it reads the session's state as NULL: the count is 0, and that is flagged.
  {
    mexp::SessionSettings settings;
    settings.conninfo = mexp::test::cluster_conninfo(db.name(), role);
    mexp::PgSession limited(settings);
    limited.connect();
    const auto without = collect(*mexp::test::make_collector("activity"), limited);
    EXPECT_EQ(without.get("migration_exporter_activity_all_sessions_visible"), 0);
    EXPECT_EQ(without.get("pg_idle_in_transaction_sessions", {{"datname", db.name()}}), 0);
  }
  in_transaction.exec("COMMIT");
  db.exec("DROP ROLE " + role);
}
