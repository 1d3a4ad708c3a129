// schema_health and sequence_usage against what real sessions leave behind: a failed concurrent
// index build, NOT VALID constraints, a published table without replica identity, duplicate
// indexes, and an int4 serial advanced to 90% of its range.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/support/lock_scenario.h"
#include "tests/support/metrics_text.h"
#include "tests/support/test_pg.h"

using mexp::test::collect;
using mexp::test::SqlSession;
using mexp::test::TestDatabase;

namespace {

class SchemaHealth : public ::testing::Test {
 protected:
  void SetUp() override { session = mexp::test::monitor_session(db); }
  // The collector re-reads the catalog when the catalogs' statistics moved; a backend sends them
  // up to a second after a commit (between real polls), so the DDL session sends them first.
  mexp::test::Samples poll(const std::string& options = "") {
    db.exec("SELECT pg_stat_force_next_flush()");
    if (!collector) collector = mexp::test::make_collector("schema_health", options);
    return collect(*collector, *session);
  }
  double count(const mexp::test::Samples& samples, const std::string& family) {
    return samples.get(family, {{"datname", db.name()}}).value_or(-1);
  }

  TestDatabase db;
  std::unique_ptr<mexp::PgSession> session;
  std::unique_ptr<mexp::Collector> collector;
};

}  // namespace

TEST_F(SchemaHealth, FailedConcurrentIndexBuildIsReportedUntilDropped) {
  db.exec(
      "CREATE TABLE orders (id int, email text); "
      "INSERT INTO orders SELECT g, 'same@example.com' FROM generate_series(1, 1000) g");
  EXPECT_EQ(count(poll(), "pg_schema_invalid_indexes"), 0);

  // A unique build over duplicates fails half-way and leaves its index behind, marked invalid.
  SqlSession migration(db.name());
  migration.send("CREATE UNIQUE INDEX CONCURRENTLY orders_email_key ON orders (email)");
  migration.finish();  // the unique violation is expected: finish() does not fail on it
  migration.exec("SELECT pg_stat_force_next_flush()");
  ASSERT_EQ(db.exec("SELECT count(*) FROM pg_index WHERE NOT indisvalid"), "1");

  const auto left = poll();
  EXPECT_EQ(count(left, "pg_schema_invalid_indexes"), 1);
  EXPECT_EQ(left.get("pg_schema_invalid_index_info", {{"schemaname", "public"},
                                                      {"relname", "orders"},
                                                      {"indexrelname", "orders_email_key"}}),
            1);
  EXPECT_EQ(left.get("migration_exporter_schema_health_dropped", {{"kind", "invalid_index"}}), 0);

  db.exec("DROP INDEX orders_email_key");
  const auto dropped = poll();
  EXPECT_EQ(count(dropped, "pg_schema_invalid_indexes"), 0);
  EXPECT_TRUE(dropped.all("pg_schema_invalid_index_info").empty());
}

TEST_F(SchemaHealth, ConcurrentIndexBuildInProgressIsNotReported) {
  db.exec("CREATE TABLE orders (id int); INSERT INTO orders SELECT generate_series(1, 1000)");
  // An open writing transaction holds the build in "waiting for writers": its index already
  // exists in pg_index, invalid, and must not be reported while the build runs.
  SqlSession writer(db.name()), builder(db.name()), observer(db.name());
  writer.exec("BEGIN; INSERT INTO orders VALUES (0)");
  builder.send("CREATE INDEX CONCURRENTLY orders_id_idx ON orders (id)");
  mexp::test::wait_until_waiting_for_lock(observer, builder.pid());
  ASSERT_EQ(db.exec("SELECT count(*) FROM pg_index WHERE NOT indisvalid"), "1");
  const auto building = poll();
  EXPECT_EQ(count(building, "pg_schema_invalid_indexes"), 0);
  EXPECT_TRUE(building.all("pg_schema_invalid_index_info").empty());
  writer.exec("COMMIT");
  builder.finish();
  EXPECT_EQ(count(poll(), "pg_schema_invalid_indexes"), 0);
}

TEST_F(SchemaHealth, NotValidConstraintIsCountedUntilValidated) {
  db.exec(
      "CREATE TABLE customers (id int PRIMARY KEY); CREATE TABLE orders (id int, "
      "customer_id int, total int); INSERT INTO customers VALUES (1); "
      "INSERT INTO orders VALUES (1, 1, 5)");
  EXPECT_EQ(count(poll(), "pg_schema_unvalidated_constraints"), 0);
  db.exec(
      "ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0) NOT VALID; "
      "ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) "
      "REFERENCES customers (id) NOT VALID");
  const auto added = poll();
  EXPECT_EQ(count(added, "pg_schema_unvalidated_constraints"), 2);
  EXPECT_EQ(
      added.get("pg_schema_unvalidated_constraint_info",
                {{"relname", "orders"}, {"conname", "orders_total_positive"}, {"contype", "c"}}),
      1);
  EXPECT_EQ(added.get("pg_schema_unvalidated_constraint_info",
                      {{"relname", "orders"}, {"conname", "orders_customer_fk"}, {"contype", "f"}}),
            1);
  db.exec("ALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive");
  const auto one_left = poll();
  EXPECT_EQ(count(one_left, "pg_schema_unvalidated_constraints"), 1);
  EXPECT_FALSE(one_left.get("pg_schema_unvalidated_constraint_info",
                            {{"conname", "orders_total_positive"}}));
  db.exec("ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk");
  EXPECT_EQ(count(poll(), "pg_schema_unvalidated_constraints"), 0);
}

TEST_F(SchemaHealth, ReadsTheCatalogOnlyWhenItChanged) {
  db.exec("CREATE TABLE t (a int)");
  const auto reads = [&](const mexp::test::Samples& samples) {
    return samples.get("migration_exporter_schema_health_reads_total").value_or(-1);
  };
  const double first = reads(poll());
  EXPECT_EQ(reads(poll()), first) << "nothing changed: last poll's result stands";
  db.exec("INSERT INTO t VALUES (1)");
  EXPECT_EQ(reads(poll()), first) << "row writes touch no catalog";
  db.exec("ALTER TABLE t ADD CONSTRAINT t_a_check CHECK (a > 0) NOT VALID");
  const auto changed = poll();
  EXPECT_EQ(reads(changed), first + 1);
  EXPECT_EQ(count(changed, "pg_schema_unvalidated_constraints"), 1);
}

TEST_F(SchemaHealth, InfoSeriesAreCappedAndTheRestCounted) {
  db.exec("CREATE TABLE t (a int, b int, c int)");
  for (const char* column : {"a", "b", "c"}) {
    db.exec(std::string("ALTER TABLE t ADD CONSTRAINT t_") + column + "_check CHECK (" + column +
            " > 0) NOT VALID");
  }
  const auto capped = poll("max_objects = 2");
  EXPECT_EQ(count(capped, "pg_schema_unvalidated_constraints"), 3);
  EXPECT_EQ(capped.all("pg_schema_unvalidated_constraint_info").size(), 2u);
  EXPECT_EQ(
      capped.get("migration_exporter_schema_health_dropped", {{"kind", "unvalidated_constraint"}}),
      1);
}

TEST_F(SchemaHealth, PublishedTableWithoutPrimaryKeyIsReportedUntilReplicaIdentityFull) {
  db.exec(
      "CREATE TABLE events (payload text); CREATE TABLE orders (id int PRIMARY KEY); "
      "CREATE TABLE audit (line text); "
      "CREATE PUBLICATION cdc FOR TABLE events, orders; "
      "CREATE PUBLICATION inserts_only FOR TABLE audit WITH (publish = 'insert')");
  const auto published = poll();
  EXPECT_EQ(count(published, "pg_schema_unreplicable_tables"), 1);
  EXPECT_EQ(
      published.get("pg_schema_unreplicable_table_info",
                    {{"relname", "events"}, {"pubname", "cdc"}, {"replica_identity", "default"}}),
      1);
  // A primary key serves as replica identity; an insert-only publication needs none.
  EXPECT_FALSE(published.get("pg_schema_unreplicable_table_info", {{"relname", "orders"}}));
  EXPECT_FALSE(published.get("pg_schema_unreplicable_table_info", {{"relname", "audit"}}));

  db.exec("ALTER TABLE orders REPLICA IDENTITY NOTHING");
  EXPECT_EQ(poll().get("pg_schema_unreplicable_table_info",
                       {{"relname", "orders"}, {"replica_identity", "nothing"}}),
            1);
  db.exec("ALTER TABLE events REPLICA IDENTITY FULL; ALTER TABLE orders REPLICA IDENTITY DEFAULT");
  EXPECT_EQ(count(poll(), "pg_schema_unreplicable_tables"), 0);
}

TEST_F(SchemaHealth, DuplicateIndexesNameTheIndexTheyDuplicate) {
  db.exec(
      "CREATE TABLE orders (id int PRIMARY KEY, customer_id int, status text); "
      "CREATE INDEX orders_customer_a ON orders (customer_id); "
      "CREATE INDEX orders_customer_b ON orders (customer_id); "
      "CREATE INDEX orders_id_again ON orders (id); "
      "CREATE INDEX orders_open ON orders (customer_id) WHERE status = 'open'; "
      "CREATE INDEX orders_lower ON orders (lower(status)); "
      "CREATE INDEX orders_upper ON orders (upper(status)); "
      "CREATE INDEX orders_customer_desc ON orders (customer_id DESC)");
  const auto found = poll();
  EXPECT_EQ(count(found, "pg_schema_duplicate_indexes"), 2);
  EXPECT_EQ(found.get("pg_schema_duplicate_index_info", {{"indexrelname", "orders_customer_b"},
                                                         {"duplicate_of", "orders_customer_a"}}),
            1);
  // The primary key is the one kept.
  EXPECT_EQ(found.get("pg_schema_duplicate_index_info",
                      {{"indexrelname", "orders_id_again"}, {"duplicate_of", "orders_pkey"}}),
            1);
  db.exec("DROP INDEX orders_customer_b; DROP INDEX orders_id_again");
  EXPECT_EQ(count(poll(), "pg_schema_duplicate_indexes"), 0);
}

TEST(SequenceUsage, Int4SerialAtNinetyPercentOfItsRange) {
  TestDatabase db;
  db.exec(
      "CREATE TABLE orders (id serial PRIMARY KEY); CREATE TABLE big (id bigserial); "
      "CREATE SEQUENCE hidden_seq");
  db.grant_select("orders_id_seq");
  db.grant_select("big_id_seq");
  const double target = std::floor(0.9 * 2147483647.0);
  db.exec("SELECT setval('orders_id_seq', " + std::to_string(static_cast<long long>(target)) + ")");
  db.exec("SELECT setval('big_id_seq', 1000)");
  auto session = mexp::test::monitor_session(db);
  auto collector = mexp::test::make_collector("sequence_usage");
  const auto samples = collect(*collector, *session);

  const auto used = samples.get("pg_sequence_used_ratio",
                                {{"sequencename", "orders_id_seq"}, {"data_type", "integer"}});
  ASSERT_TRUE(used);
  EXPECT_NEAR(*used, 0.9, 0.01);
  const auto column =
      samples.get("pg_sequence_column_used_ratio", {{"sequencename", "orders_id_seq"},
                                                    {"relname", "orders"},
                                                    {"attname", "id"},
                                                    {"column_type", "integer"}});
  ASSERT_TRUE(column);
  EXPECT_NEAR(*column, 0.9, 0.01);
  // A bigint column has no narrower range to run out of.
  EXPECT_NEAR(samples.get("pg_sequence_used_ratio", {{"sequencename", "big_id_seq"}}).value_or(-1),
              1000.0 / 9223372036854775807.0, 1e-9);
  EXPECT_FALSE(samples.get("pg_sequence_column_used_ratio", {{"sequencename", "big_id_seq"}}));
  // No privilege on hidden_seq: counted, not guessed.
  EXPECT_EQ(samples.get("pg_schema_sequences_unreadable", {{"datname", db.name()}}), 1);
  EXPECT_EQ(samples.get("pg_schema_sequences", {{"datname", db.name()}}), 3);
  EXPECT_FALSE(samples.get("pg_sequence_used_ratio", {{"sequencename", "hidden_seq"}}));
}

TEST(SequenceUsage, ReadsABoundedBatchPerPollAndKeepsTheTopFresh) {
  TestDatabase db;
  db.exec(
      "DO $$ BEGIN FOR i IN 1..12 LOOP EXECUTE format('CREATE SEQUENCE s_%s AS integer', i); "
      "EXECUTE format('GRANT SELECT ON SEQUENCE s_%s TO " +
      std::string(mexp::test::kMonitorRole) + "', i); END LOOP; END $$");
  db.exec("SELECT setval('s_12', 2000000000)");
  auto session = mexp::test::monitor_session(db);
  auto collector =
      mexp::test::make_collector("sequence_usage", "sequences_per_poll = 5\nmax_sequences = 3");
  // Polls 1 and 2 read s_1..s_10; the third reaches s_12.
  EXPECT_FALSE(
      collect(*collector, *session).get("pg_sequence_used_ratio", {{"sequencename", "s_12"}}));
  collect(*collector, *session);
  const auto third = collect(*collector, *session);
  EXPECT_NEAR(third.get("pg_sequence_used_ratio", {{"sequencename", "s_12"}}).value_or(-1),
              (2000000000.0 - 1) / (2147483647.0 - 1), 1e-6);
  EXPECT_EQ(third.all("pg_sequence_used_ratio").size(), 3u);
  // Exported sequences are read again every poll: a change shows at once.
  db.exec("SELECT setval('s_12', 1000000000)");
  EXPECT_NEAR(collect(*collector, *session)
                  .get("pg_sequence_used_ratio", {{"sequencename", "s_12"}})
                  .value_or(-1),
              (1000000000.0 - 1) / (2147483647.0 - 1), 1e-6);
  db.exec("DROP SEQUENCE s_12");
  EXPECT_FALSE(
      collect(*collector, *session).get("pg_sequence_used_ratio", {{"sequencename", "s_12"}}));
}
