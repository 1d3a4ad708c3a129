// The tables and indexes collectors never queue behind a migration: with an ALTER TABLE waiting
// behind an open transaction, a table held under ACCESS EXCLUSIVE and an index being rebuilt,
// polls complete quickly, the collector's backend never waits for a lock, and every other table's
// size is still exported.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "tests/support/collector_run.h"
#include "tests/support/test_pg.h"

using mexp::test::CollectorRun;
using mexp::test::sample;
using mexp::test::SqlSession;
using mexp::test::TestDatabase;
using Clock = std::chrono::steady_clock;

namespace {

// Watches the given backend from its own connection until stopped, counting every observation of
// it waiting for a lock (an ungranted pg_locks row or a Lock wait event).
class LockWaitWatcher {
 public:
  LockWaitWatcher(const std::string& dbname, int pid)
      : session_(dbname), thread_([this, pid] {
          const std::string sql =
              "SELECT (SELECT count(*) FROM pg_locks WHERE pid = " + std::to_string(pid) +
              " AND NOT granted) + (SELECT count(*) FROM pg_stat_activity WHERE pid = " +
              std::to_string(pid) + " AND wait_event_type = 'Lock')";
          while (!stop_) {
            waits_ += std::stoi(session_.exec(sql));
            ++observations_;
          }
        }) {}
  ~LockWaitWatcher() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int waits() const { return waits_; }
  int observations() const { return observations_; }

 private:
  SqlSession session_;
  std::atomic<bool> stop_{false};
  std::atomic<int> waits_{0};
  std::atomic<int> observations_{0};
  std::thread thread_;
};

void wait_for_waiting_exclusive_lock(TestDatabase& db, const std::string& table) {
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (db.exec("SELECT count(*) FROM pg_locks WHERE NOT granted AND mode = "
                 "'AccessExclusiveLock' AND relation = '" +
                 table + "'::regclass") != "1") {
    ASSERT_LT(Clock::now(), deadline) << "ALTER TABLE never queued for its lock";
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace

TEST(LockSafety, PollsSkipLockedTablesWithoutEverWaitingAndStillSizeTheOthers) {
  TestDatabase db;
  db.exec(
      "CREATE TABLE migrating (id int PRIMARY KEY, payload text);"
      "CREATE TABLE held (id int PRIMARY KEY);"
      "CREATE TABLE reindexed (id int, tag text); CREATE INDEX reindexed_tag ON reindexed (tag);"
      "CREATE TABLE quiet (id int PRIMARY KEY, payload text);"
      "INSERT INTO migrating SELECT g, repeat('m', 100) FROM generate_series(1, 500) g;"
      "INSERT INTO quiet SELECT g, repeat('q', 100) FROM generate_series(1, 2000) g;"
      "INSERT INTO reindexed SELECT g, 't' || g FROM generate_series(1, 100) g;");
  const std::string quiet_table_size = db.exec("SELECT pg_table_size('quiet')");
  const std::string quiet_index_size = db.exec("SELECT pg_indexes_size('quiet')");
  const std::string quiet_pkey_size = db.exec("SELECT pg_relation_size('quiet_pkey')");

  // The classic incident: a reader's open transaction, a migration queued behind it.
  SqlSession reader(db.name());
  reader.exec("BEGIN; SELECT count(*) FROM migrating");
  SqlSession migration(db.name());
  migration.send("ALTER TABLE migrating ADD COLUMN extra int");
  wait_for_waiting_exclusive_lock(db, "migrating");
  // A granted ACCESS EXCLUSIVE lock on a table, and one on an index only (REINDEX).
  SqlSession holder(db.name());
  holder.exec("BEGIN; LOCK TABLE held IN ACCESS EXCLUSIVE MODE");
  SqlSession rebuilder(db.name());
  rebuilder.exec("BEGIN; REINDEX INDEX reindexed_tag");

  // A long lock_timeout: had a poll asked for a lock on a locked table, it would sit here for 5 s
  // (and fail) instead of ending within the bound below.
  const auto lock_timeout = std::chrono::milliseconds(5000);
  CollectorRun tables("tables", db.name(), "", lock_timeout);
  CollectorRun indexes("indexes", db.name(), "", lock_timeout);
  LockWaitWatcher tables_watch(db.name(), tables.session().backend_pid());
  LockWaitWatcher indexes_watch(db.name(), indexes.session().backend_pid());

  for (int poll = 0; poll < 5; ++poll) {
    const auto started = Clock::now();
    const auto table_families = tables.collect();
    const auto index_families = indexes.collect();
    const auto elapsed = Clock::now() - started;
    EXPECT_LT(elapsed, std::chrono::milliseconds(1000)) << "poll " << poll;

    const auto table = [&](const char* name) {
      return mexp::test::LabelMap{
          {"datname", db.name()}, {"schemaname", "public"}, {"relname", name}};
    };
    EXPECT_EQ(sample(table_families, "migration_exporter_tables_skipped_locked",
                     {{"datname", db.name()}}),
              3);
    for (const char* locked : {"migrating", "held", "reindexed"}) {
      EXPECT_FALSE(sample(table_families, "pg_stat_user_tables_table_size_bytes", table(locked)))
          << locked;
      EXPECT_FALSE(sample(table_families, "pg_stat_user_tables_index_size_bytes", table(locked)))
          << locked;
      // Statistics need no lock on the table: they are still there.
      EXPECT_TRUE(sample(table_families, "pg_stat_user_tables_n_live_tup", table(locked)))
          << locked;
    }
    EXPECT_EQ(sample(table_families, "pg_stat_user_tables_table_size_bytes", table("quiet")),
              std::stod(quiet_table_size));
    EXPECT_EQ(sample(table_families, "pg_stat_user_tables_index_size_bytes", table("quiet")),
              std::stod(quiet_index_size));

    // Indexes: migrating_pkey, held_pkey and reindexed_tag are skipped; quiet_pkey is measured.
    EXPECT_EQ(sample(index_families, "migration_exporter_indexes_skipped_locked",
                     {{"datname", db.name()}}),
              3);
    for (const char* locked : {"migrating_pkey", "held_pkey", "reindexed_tag"}) {
      EXPECT_FALSE(
          sample(index_families, "pg_stat_user_indexes_size_bytes", {{"indexrelname", locked}}))
          << locked;
      EXPECT_TRUE(sample(index_families, "pg_stat_user_indexes_idx_scans_total",
                         {{"indexrelname", locked}}))
          << locked;
    }
    EXPECT_EQ(
        sample(index_families, "pg_stat_user_indexes_size_bytes", {{"indexrelname", "quiet_pkey"}}),
        std::stod(quiet_pkey_size));
  }
  tables_watch.stop();
  indexes_watch.stop();
  EXPECT_GT(tables_watch.observations(), 5) << "the watcher must actually have looked";
  EXPECT_EQ(tables_watch.waits(), 0) << "the tables collector's backend waited for a lock";
  EXPECT_EQ(indexes_watch.waits(), 0) << "the indexes collector's backend waited for a lock";

  // The migration goes through once the reader leaves; sizes come back on the next poll.
  reader.exec("COMMIT");
  migration.finish();
  holder.exec("COMMIT");
  rebuilder.exec("COMMIT");
  const auto after = tables.collect();
  EXPECT_EQ(sample(after, "migration_exporter_tables_skipped_locked", {{"datname", db.name()}}), 0);
  EXPECT_EQ(sample(after, "pg_stat_user_tables_table_size_bytes",
                   {{"datname", db.name()}, {"relname", "migrating"}}),
            std::stod(db.exec("SELECT pg_table_size('migrating')")));
}

// REINDEX of a TOAST index holds ACCESS EXCLUSIVE on that index only; pg_table_size of the table
// opens it, so the table's sizes must be skipped. The owner is found through pg_depend (pg_class
// has no index on reltoastrelid to find it by).
TEST(LockSafety, ATableWhoseToastIndexIsRebuiltIsNotSized) {
  TestDatabase db;
  db.exec(
      "CREATE TABLE toasted (id int PRIMARY KEY, payload text);"
      "CREATE TABLE plain_neighbour (id int PRIMARY KEY, payload text);"
      "INSERT INTO toasted SELECT g, repeat('t', 100) FROM generate_series(1, 100) g;"
      "INSERT INTO plain_neighbour SELECT g, repeat('p', 100) FROM generate_series(1, 100) g;");
  const std::string toast_index = db.exec(
      "SELECT i.indexrelid::regclass FROM pg_class c JOIN pg_index i "
      "ON i.indrelid = c.reltoastrelid WHERE c.relname = 'toasted'");
  ASSERT_FALSE(toast_index.empty());
  SqlSession rebuilder(db.name());
  rebuilder.exec("BEGIN; REINDEX INDEX " + toast_index);

  CollectorRun tables("tables", db.name(), "", std::chrono::milliseconds(5000));
  const auto started = Clock::now();
  const auto families = tables.collect();
  EXPECT_LT(Clock::now() - started, std::chrono::milliseconds(1000));
  const auto table = [&](const char* name) {
    return mexp::test::LabelMap{
        {"datname", db.name()}, {"schemaname", "public"}, {"relname", name}};
  };
  EXPECT_EQ(sample(families, "migration_exporter_tables_skipped_locked", {{"datname", db.name()}}),
            1);
  EXPECT_FALSE(sample(families, "pg_stat_user_tables_table_size_bytes", table("toasted")));
  EXPECT_TRUE(sample(families, "pg_stat_user_tables_n_live_tup", table("toasted")));
  EXPECT_EQ(sample(families, "pg_stat_user_tables_table_size_bytes", table("plain_neighbour")),
            std::stod(db.exec("SELECT pg_table_size('plain_neighbour')")));
  rebuilder.exec("COMMIT");
}
