// The locks collector against real lock queues built with real sessions.
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

// The app table has no index, so a reader in an open transaction holds exactly one lock on it.
void create_app_table(TestDatabase& db) {
  db.exec("CREATE TABLE orders (id int, amount int); INSERT INTO orders VALUES (1, 10), (2, 20)");
}

double locks_waiting(const mexp::test::Samples& samples, const std::string& db) {
  double total = 0;
  for (const auto& sample : samples.all("pg_locks_waiting", {{"datname", db}}))
    total += sample.value;
  return total;
}

}  // namespace

TEST(LocksCollector, ReaderInTransactionMigrationWaitingAndThreeReadersQueuedBehindIt) {
  TestDatabase db;
  create_app_table(db);
  auto session = mexp::test::monitor_session(db);
  auto collector = mexp::test::make_collector("locks");

  // The classic incident: a transaction that read `orders` stays open, the migration's ALTER
  // TABLE queues for ACCESS EXCLUSIVE behind it, and every later reader queues behind the ALTER.
  SqlSession holder(db.name()), migration(db.name()), observer(db.name());
  holder.exec("BEGIN; SELECT count(*) FROM orders");
  migration.send("ALTER TABLE orders ADD COLUMN note text");
  mexp::test::wait_until_waiting_for_lock(observer, migration.pid());
  std::vector<std::unique_ptr<SqlSession>> readers;
  for (int i = 0; i < 3; ++i) {
    readers.push_back(std::make_unique<SqlSession>(db.name()));
    readers.back()->send("SELECT count(*) FROM orders");
    mexp::test::wait_until_waiting_for_lock(observer, readers.back()->pid());
  }

  const auto first = collect(*collector, *session);
  EXPECT_EQ(first.get("pg_blocked_sessions", {{"datname", db.name()}}), 4);
  EXPECT_EQ(first.get("pg_locks_waiting", {{"datname", db.name()},
                                           {"mode", "accessexclusivelock"},
                                           {"locktype", "relation"}}),
            1);
  EXPECT_EQ(
      first.get("pg_locks_waiting",
                {{"datname", db.name()}, {"mode", "accesssharelock"}, {"locktype", "relation"}}),
      3);
  EXPECT_EQ(locks_waiting(first, db.name()), 4) << "no other waiting series";
  // readers -> ALTER -> open transaction: two waits deep.
  EXPECT_EQ(first.get("pg_lock_blocking_chain_max_depth", {{"datname", db.name()}}), 2);
  // Held and requested locks, by mode: the holder's ACCESS SHARE plus the three readers' requests;
  // the ALTER's ACCESS EXCLUSIVE request.
  EXPECT_EQ(first.get("pg_locks_count", {{"datname", db.name()}, {"mode", "accesssharelock"}}), 4);
  EXPECT_EQ(first.get("pg_locks_count", {{"datname", db.name()}, {"mode", "accessexclusivelock"}}),
            1);
  const double first_wait = *first.get("pg_lock_wait_max_seconds", {{"datname", db.name()}});
  EXPECT_GT(first_wait, 0);

  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  const auto second = collect(*collector, *session);
  const double second_wait = *second.get("pg_lock_wait_max_seconds", {{"datname", db.name()}});
  EXPECT_GE(second_wait, first_wait + 1.0) << "the longest wait grows between polls";
  EXPECT_LT(second_wait, first_wait + 5.0);

  holder.exec("COMMIT");
  migration.finish();
  for (auto& reader : readers) reader->finish();
  const auto after = collect(*collector, *session);
  EXPECT_EQ(after.get("pg_blocked_sessions", {{"datname", db.name()}}), 0);
  EXPECT_EQ(after.get("pg_lock_wait_max_seconds", {{"datname", db.name()}}), 0);
  EXPECT_EQ(after.get("pg_lock_blocking_chain_max_depth", {{"datname", db.name()}}), 0);
  EXPECT_EQ(locks_waiting(after, db.name()), 0);
  EXPECT_EQ(after.get("pg_locks_count", {{"datname", db.name()}, {"mode", "accessexclusivelock"}}),
            0);
  EXPECT_EQ(after.get("pg_locks_count", {{"datname", db.name()}, {"mode", "accesssharelock"}}), 0)
      << "the exporter's own locks are not counted";
}

TEST(LocksCollector, RowLockWaitHasNoDatabaseInPgLocksButCountsForTheWaitersDatabase) {
  TestDatabase db;
  create_app_table(db);
  auto session = mexp::test::monitor_session(db);
  auto collector = mexp::test::make_collector("locks");
  SqlSession holder(db.name()), waiter(db.name()), observer(db.name());
  holder.exec("BEGIN; UPDATE orders SET amount = 11 WHERE id = 1");
  waiter.send("UPDATE orders SET amount = 12 WHERE id = 1");
  mexp::test::wait_until_waiting_for_lock(observer, waiter.pid());

  const auto families = collect(*collector, *session);
  // A second writer of the same row waits for the first writer's transaction ID.
  EXPECT_EQ(
      families.get("pg_locks_waiting",
                   {{"datname", db.name()}, {"mode", "sharelock"}, {"locktype", "transactionid"}}),
      1);
  EXPECT_EQ(locks_waiting(families, db.name()), 1);
  EXPECT_EQ(families.get("pg_blocked_sessions", {{"datname", db.name()}}), 1);
  EXPECT_EQ(families.get("pg_lock_blocking_chain_max_depth", {{"datname", db.name()}}), 1);
  holder.exec("ROLLBACK");
  waiter.finish();
}

TEST(LocksCollector, ChainAcrossThreeTablesIsThreeWaitsDeep) {
  TestDatabase db;
  db.exec("CREATE TABLE a (x int); CREATE TABLE b (x int); CREATE TABLE c (x int)");
  auto session = mexp::test::monitor_session(db);
  auto collector = mexp::test::make_collector("locks");
  SqlSession s1(db.name()), s2(db.name()), s3(db.name()), s4(db.name()), observer(db.name());
  s1.exec("BEGIN; LOCK TABLE a IN ACCESS EXCLUSIVE MODE");
  s2.exec("BEGIN; LOCK TABLE b IN ACCESS EXCLUSIVE MODE");
  s2.send("LOCK TABLE a IN ACCESS EXCLUSIVE MODE");  // s2 waits for s1
  mexp::test::wait_until_waiting_for_lock(observer, s2.pid());
  s3.exec("BEGIN; LOCK TABLE c IN ACCESS EXCLUSIVE MODE");
  s3.send("LOCK TABLE b IN ACCESS EXCLUSIVE MODE");  // s3 waits for s2
  mexp::test::wait_until_waiting_for_lock(observer, s3.pid());
  s4.send("SELECT * FROM c");  // s4 waits for s3
  mexp::test::wait_until_waiting_for_lock(observer, s4.pid());

  const auto families = collect(*collector, *session);
  EXPECT_EQ(families.get("pg_lock_blocking_chain_max_depth", {{"datname", db.name()}}), 3);
  EXPECT_EQ(families.get("pg_blocked_sessions", {{"datname", db.name()}}), 3);
  EXPECT_EQ(
      families.get("pg_locks_count", {{"datname", db.name()}, {"mode", "accessexclusivelock"}}),
      5);  // a, b, c held; a and b requested

  s1.exec("COMMIT");
  s2.finish();
  s2.exec("COMMIT");
  s3.finish();
  s3.exec("COMMIT");
  s4.finish();
}

TEST(LocksCollector, LockCountsHavePostgresExportersLabelsAndAreZeroFilledForEveryDatabase) {
  TestDatabase db;
  auto session = mexp::test::monitor_session(db);
  auto collector = mexp::test::make_collector("locks");
  const auto families = mexp::test::collect_families(*collector, *session);
  const auto samples = mexp::test::Samples::from(families);
  const auto* count = mexp::test::find_family(families, "pg_locks_count");
  ASSERT_NE(count, nullptr);
  EXPECT_EQ(count->help, "Number of locks");
  EXPECT_EQ(count->type, prometheus::MetricType::Gauge);
  // postgres_exporter 0.20's labels: 0.11's `server` is gone.
  for (const char* datname : {"postgres", "template0", "template1", db.name().c_str()}) {
    for (const char* mode : {"accesssharelock", "rowsharelock", "rowexclusivelock",
                             "shareupdateexclusivelock", "sharelock", "sharerowexclusivelock",
                             "exclusivelock", "accessexclusivelock", "sireadlock"}) {
      const auto found = samples.all("pg_locks_count", {{"datname", datname}, {"mode", mode}});
      ASSERT_EQ(found.size(), 1u) << datname << " " << mode;
      EXPECT_EQ(found.front().labels,
                (std::map<std::string, std::string>{{"datname", datname}, {"mode", mode}}));
    }
  }
  // Every other locks family is per database: one series each for this database.
  for (const char* family :
       {"pg_blocked_sessions", "pg_lock_wait_max_seconds", "pg_lock_blocking_chain_max_depth"}) {
    EXPECT_EQ(samples.get(family, {{"datname", db.name()}}), 0) << family;
    EXPECT_EQ(samples.get(family, {{"datname", "template0"}}), 0) << family;
  }
}
