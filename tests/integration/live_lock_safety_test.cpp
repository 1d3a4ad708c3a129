// The exporter is never part of the incident: while a migration holds ACCESS EXCLUSIVE and the
// application queues behind it, the live collectors (locks, activity, migration_progress) keep
// finishing well inside their timeout, their backend never waits for a lock, and they lock no
// user table (the one exception, migration lock tables, is shown and bounded separately). The
// history collector, which must read user tables, never queues behind a lock on them either.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "tests/support/flyway_fixture.h"
#include "tests/support/lock_scenario.h"
#include "tests/support/metrics_text.h"
#include "tests/support/test_pg.h"
#include "tests/support/wait_watcher.h"

using mexp::test::SqlSession;
using mexp::test::TestDatabase;
using mexp::test::user_relations_locked_by;
using mexp::test::WaitWatcher;

namespace {

constexpr const char* kLiveCollectors[] = {"locks", "activity", "migration_progress"};

}  // namespace

TEST(LiveLockSafety, CollectorsNeverWaitWhileAMigrationHoldsAccessExclusiveWithReadersQueued) {
  TestDatabase db;
  db.exec(
      "CREATE TABLE orders (id int PRIMARY KEY); CREATE TABLE flyway_schema_history "
      "(installed_rank int NOT NULL, version varchar(50), script varchar(1000) NOT NULL, success "
      "boolean NOT NULL)");
  db.grant_select("orders");
  db.grant_select("flyway_schema_history");
  SqlSession migration(db.name()), observer(db.name());
  migration.exec(
      "BEGIN; SELECT pg_advisory_xact_lock(77433833903597); LOCK TABLE orders IN ACCESS "
      "EXCLUSIVE MODE; LOCK TABLE flyway_schema_history IN ACCESS EXCLUSIVE MODE");
  std::vector<std::unique_ptr<SqlSession>> readers;
  for (int i = 0; i < 3; ++i) {
    readers.push_back(std::make_unique<SqlSession>(db.name()));
    readers.back()->send("SELECT * FROM orders");
    mexp::test::wait_until_waiting_for_lock(observer, readers.back()->pid());
  }

  auto session = mexp::test::monitor_session(db);
  std::vector<std::unique_ptr<mexp::Collector>> collectors;
  for (const char* name : kLiveCollectors) collectors.push_back(mexp::test::make_collector(name));

  WaitWatcher watcher(db.name(), session->backend_pid());
  double slowest = 0;
  for (int round = 0; round < 20; ++round) {
    for (std::size_t i = 0; i < collectors.size(); ++i) {
      const auto started = std::chrono::steady_clock::now();
      mexp::test::Families families;
      ASSERT_NO_THROW(families = mexp::test::collect_families(*collectors[i], *session))
          << kLiveCollectors[i] << " failed during the incident";
      const double took =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      slowest = std::max(slowest, took);
      // Far inside the statement timeout (5 s), which would end a query stuck in a lock queue.
      EXPECT_LT(took, 1.0) << kLiveCollectors[i] << " took " << took << " s";
      EXPECT_FALSE(families.empty());
    }
  }
  watcher.stop();
  EXPECT_EQ(watcher.ungranted_seen(), 0) << "the exporter's backend waited for a lock";
  EXPECT_GT(watcher.samples(), 20) << "the watcher must actually have looked";
  RecordProperty("slowest_collect_ms", static_cast<int>(slowest * 1000));

  // And the incident is reported while it lasts.
  const auto locks = mexp::test::collect(*collectors[0], *session);
  EXPECT_EQ(locks.get("pg_blocked_sessions", {{"datname", db.name()}}), 3);
  const auto progress = mexp::test::collect(*collectors[2], *session);
  EXPECT_EQ(progress.get("migration_in_progress",
                         {{"tool", "flyway"}, {"table", "flyway_schema_history"}}),
            1);
  EXPECT_EQ(progress.get("migration_blocked_sessions",
                         {{"tool", "flyway"}, {"table", "flyway_schema_history"}}),
            3);

  // No collector locks a user table, not even the ones under ACCESS EXCLUSIVE.
  for (std::size_t i = 0; i < collectors.size(); ++i) {
    EXPECT_EQ(user_relations_locked_by(*collectors[i], *session), std::vector<std::string>{})
        << kLiveCollectors[i];
  }
  migration.exec("COMMIT");
  for (auto& reader : readers) reader->finish();
}

TEST(LiveLockSafety, LockTablesAreTheOnlyUserTablesReadAndAreSkippedUnderAccessExclusive) {
  TestDatabase db;
  db.exec(
      "CREATE TABLE databasechangeloglock (id integer PRIMARY KEY, locked boolean NOT NULL, "
      "lockgranted timestamp, lockedby varchar(255)); INSERT INTO databasechangeloglock VALUES "
      "(1, false, NULL, NULL)");
  db.grant_select("databasechangeloglock");
  auto session = mexp::test::monitor_session(db);
  auto collector = mexp::test::make_collector("migration_progress");

  // Normally the Liquibase lock row is read, with the weakest lock there is (the planner takes the
  // same on the table's primary-key index). This also shows the check sees locks when there are.
  EXPECT_EQ(user_relations_locked_by(*collector, *session),
            (std::vector<std::string>{"public.databasechangeloglock AccessShareLock",
                                      "public.databasechangeloglock_pkey AccessShareLock"}));
  auto no_reads = mexp::test::make_collector("migration_progress", "read_lock_tables = false");
  EXPECT_EQ(user_relations_locked_by(*no_reads, *session), std::vector<std::string>{});

  // Someone holds ACCESS EXCLUSIVE on the lock table itself: this poll leaves it out at once
  // instead of queueing behind them.
  SqlSession holder(db.name());
  holder.exec("BEGIN; LOCK TABLE databasechangeloglock IN ACCESS EXCLUSIVE MODE");
  WaitWatcher watcher(db.name(), session->backend_pid());
  const auto started = std::chrono::steady_clock::now();
  const auto families = mexp::test::collect(*collector, *session);
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  watcher.stop();
  EXPECT_LT(took, 0.5);
  EXPECT_EQ(watcher.ungranted_seen(), 0);
  EXPECT_TRUE(families.all("migration_in_progress", {{"tool", "liquibase"}}).empty());
  holder.exec("COMMIT");
  EXPECT_EQ(mexp::test::collect(*collector, *session)
                .get("migration_in_progress", {{"tool", "liquibase"}}),
            0);
}

TEST(LiveLockSafety, HistoryTablesUnderAccessExclusiveAreSkippedWithoutQueueingAndServedCached) {
  TestDatabase db;
  mexp::test::create_flyway_table(db, "public", "flyway_schema_history");
  mexp::test::insert_flyway_row(db, "public.flyway_schema_history", 1, "1", "init", "SQL",
                                "V1__init.sql", "2026-01-01 00:00:00", 10, true);
  auto session = mexp::test::monitor_session(db);
  auto collector = mexp::test::make_collector("history");
  const std::map<std::string, std::string> table = {{"table", "flyway_schema_history"}};
  ASSERT_EQ(mexp::test::collect(*collector, *session).get("migration_applied", table), 1);

  // A migration's ALTER TABLE on the history table holds ACCESS EXCLUSIVE; then one queues for it
  // behind a reader's ACCESS SHARE, which makes every later reader queue too.
  SqlSession migration(db.name()), reader(db.name()), observer(db.name());
  for (const bool granted : {true, false}) {
    if (granted) {
      migration.exec("BEGIN; ALTER TABLE flyway_schema_history ADD COLUMN note text");
    } else {
      reader.exec("BEGIN; SELECT count(*) FROM flyway_schema_history");
      migration.send("ALTER TABLE flyway_schema_history ADD COLUMN note text");
      mexp::test::wait_until_waiting_for_lock(observer, migration.pid());
    }
    WaitWatcher watcher(db.name(), session->backend_pid());
    const auto started = std::chrono::steady_clock::now();
    for (int round = 0; round < 10; ++round) {
      const auto samples = mexp::test::collect(*collector, *session);
      EXPECT_EQ(samples.get("migration_history_up", table), 1);
      EXPECT_EQ(samples.get("migration_applied", table), 1);
      EXPECT_EQ(samples.get("migration_exporter_history_tables_skipped_locked"), 1);
    }
    const double took =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    // Not even lock_timeout (100 ms) is paid per poll: the statement is never sent.
    EXPECT_LT(took, 0.9) << "10 polls with the lock " << (granted ? "granted" : "awaited");
    watcher.stop();
    EXPECT_EQ(watcher.ungranted_seen(), 0)
        << "the history statement queued behind an " << (granted ? "granted" : "awaited")
        << " ACCESS EXCLUSIVE lock";
    if (granted) {
      migration.exec("ROLLBACK");
    } else {
      reader.exec("COMMIT");
      migration.finish();
    }
  }
  EXPECT_EQ(mexp::test::collect(*collector, *session)
                .get("migration_exporter_history_tables_skipped_locked"),
            0);
}
