// The schema collectors (schema_health, sequence_usage, schema_changes, ddl_progress) never wait
// while a migration's uncommitted DDL holds ACCESS EXCLUSIVE on the very tables they report on,
// with application sessions queued behind it, and while ALTER SEQUENCE locks a sequence they read:
// pg_locks, sampled as fast as possible, never shows their backend waiting, and they lock no user
// relation other than the sequences they read.
#include <gtest/gtest.h>

#include "tests/support/lock_scenario.h"
#include "tests/support/metrics_text.h"
#include "tests/support/test_pg.h"
#include "tests/support/wait_watcher.h"

using mexp::test::SqlSession;
using mexp::test::TestDatabase;

namespace {

constexpr const char* kSchemaCollectors[] = {"schema_health", "sequence_usage", "schema_changes",
                                             "ddl_progress"};

}  // namespace

TEST(SchemaLockSafety, CollectorsNeverWaitBehindAMigrationsAccessExclusiveLock) {
  TestDatabase db;
  db.exec(
      "CREATE TABLE orders (id serial PRIMARY KEY, email text, total int); "
      "CREATE TABLE events (payload text); CREATE PUBLICATION cdc FOR TABLE events; "
      "CREATE SEQUENCE invoice_seq; "
      "INSERT INTO orders (email, total) SELECT 'same', 1 FROM generate_series(1, 100)");
  SqlSession failed(db.name());
  failed.send("CREATE UNIQUE INDEX CONCURRENTLY orders_email_key ON orders (email)");
  failed.finish();
  db.exec("ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0) NOT VALID");
  for (const char* relation : {"orders", "events", "orders_id_seq", "invoice_seq"})
    db.grant_select(relation);

  auto session = mexp::test::monitor_session(db);
  std::vector<std::unique_ptr<mexp::Collector>> collectors;
  for (const char* name : kSchemaCollectors) collectors.push_back(mexp::test::make_collector(name));
  for (auto& collector : collectors) mexp::test::collect(*collector, *session);  // baselines

  // The migration: DDL on every table concerned, uncommitted, and an ALTER SEQUENCE; then the
  // application queues behind it.
  SqlSession migration(db.name()), observer(db.name());
  migration.exec(
      "BEGIN; ALTER TABLE orders ADD COLUMN note text; ALTER TABLE events ADD COLUMN id int; "
      "ALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive; "
      "ALTER SEQUENCE orders_id_seq RESTART WITH 5; ALTER SEQUENCE invoice_seq INCREMENT BY 2");
  std::vector<std::unique_ptr<SqlSession>> readers;
  for (const char* table : {"orders", "events", "orders"}) {
    readers.push_back(std::make_unique<SqlSession>(db.name()));
    readers.back()->send(std::string("SELECT count(*) FROM ") + table);
    mexp::test::wait_until_waiting_for_lock(observer, readers.back()->pid());
  }

  mexp::test::WaitWatcher watcher(db.name(), session->backend_pid());
  for (int round = 0; round < 10; ++round) {
    for (std::size_t i = 0; i < collectors.size(); ++i) {
      const auto started = std::chrono::steady_clock::now();
      mexp::test::Families families;
      ASSERT_NO_THROW(families = mexp::test::collect_families(*collectors[i], *session))
          << kSchemaCollectors[i];
      const double took =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      EXPECT_LT(took, 1.0) << kSchemaCollectors[i] << " took " << took << " s";
      EXPECT_FALSE(families.empty());
    }
  }
  watcher.stop();
  EXPECT_EQ(watcher.ungranted_seen(), 0) << "a schema collector's backend waited for a lock";
  EXPECT_GT(watcher.samples(), 20);

  // What they report meanwhile: the committed state, with the locked sequences skipped.
  const auto health = mexp::test::collect(*collectors[0], *session);
  EXPECT_EQ(health.get("pg_schema_invalid_indexes", {{"datname", db.name()}}), 1);
  EXPECT_EQ(health.get("pg_schema_unvalidated_constraints", {{"datname", db.name()}}), 1);
  EXPECT_EQ(health.get("pg_schema_unreplicable_tables", {{"datname", db.name()}}), 1);
  const auto sequences = mexp::test::collect(*collectors[1], *session);
  EXPECT_EQ(
      sequences.get("migration_exporter_sequence_usage_skipped_locked", {{"datname", db.name()}}),
      2);

  for (std::size_t i = 0; i < collectors.size(); ++i) {
    EXPECT_EQ(mexp::test::user_relations_locked_by(*collectors[i], *session),
              std::vector<std::string>{})
        << kSchemaCollectors[i];
  }
  migration.exec("ROLLBACK");
  for (auto& reader : readers) reader->finish();

  // Unlocked, sequence_usage reads its sequences, with the weakest lock a read of one takes.
  const auto locked = mexp::test::user_relations_locked_by(*collectors[1], *session);
  EXPECT_EQ(locked, (std::vector<std::string>{"public.invoice_seq RowExclusiveLock",
                                              "public.orders_id_seq RowExclusiveLock"}));
}
