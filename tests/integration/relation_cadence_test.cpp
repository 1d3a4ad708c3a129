// The tables and indexes collectors' cadence against the real server: statistics every poll, sizes
// every size_interval (with the time they were measured; only where they can have changed), the
// ranking every rank_interval, and a ranking renewed at once when an exported relation is dropped.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/support/collector_run.h"
#include "tests/support/test_pg.h"

using mexp::test::CollectorRun;
using mexp::test::sample;
using mexp::test::SqlSession;
using mexp::test::TestDatabase;

namespace {

mexp::test::LabelMap table(const TestDatabase& db, const char* name) {
  return {{"datname", db.name()}, {"schemaname", "public"}, {"relname", name}};
}

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Two small tables, "quiet" and "busy", that autovacuum leaves alone, their rows counted.
void create_quiet_and_busy_tables(TestDatabase& db) {
  for (const char* name : {"quiet", "busy"}) {
    db.exec(std::string("CREATE TABLE ") + name +
            " (id int PRIMARY KEY, note text) WITH (autovacuum_enabled = off)");
    db.exec(std::string("INSERT INTO ") + name + " SELECT g, 'n' FROM generate_series(1, 10) g");
  }
  db.exec("SELECT pg_stat_force_next_flush()");
}

// A collector's `migration_exporter_<collector>_sizes_measured_total` for the database (-1: none).
double sizes_measured(const std::vector<prometheus::MetricFamily>& families, const TestDatabase& db,
                      const std::string& collector) {
  return sample(families, "migration_exporter_" + collector + "_sizes_measured_total",
                {{"datname", db.name()}})
      .value_or(-1);
}

}  // namespace

TEST(RelationCadence, StatisticsEveryPollSizesOnlyAtTheirIntervalWithTheirTimestamp) {
  TestDatabase db;
  db.exec("CREATE TABLE orders (id int PRIMARY KEY, note text) WITH (autovacuum_enabled = off)");
  db.exec("INSERT INTO orders SELECT g, 'n' FROM generate_series(1, 10) g");
  db.exec("SELECT pg_stat_force_next_flush()");
  const double size_before = std::stod(db.exec("SELECT pg_table_size('orders')"));

  CollectorRun run("tables", db.name(), "size_interval = \"1h\"\nrank_interval = \"1h\"");
  const double before_first = now_seconds();
  auto families = run.collect();
  EXPECT_EQ(sample(families, "pg_stat_user_tables_n_tup_ins", table(db, "orders")), 10);
  EXPECT_EQ(sample(families, "pg_stat_user_tables_table_size_bytes", table(db, "orders")),
            size_before);
  const auto measured_at = sample(families, "migration_exporter_tables_sizes_timestamp_seconds",
                                  {{"datname", db.name()}});
  ASSERT_TRUE(measured_at);
  EXPECT_GE(*measured_at, before_first - 1);

  // Many more rows: the statistics move on the next poll, the size served stays the measured one
  // and says when it was measured.
  db.exec("INSERT INTO orders SELECT g, repeat('x', 200) FROM generate_series(11, 5000) g");
  db.exec("SELECT pg_stat_force_next_flush()");
  ASSERT_GT(std::stod(db.exec("SELECT pg_table_size('orders')")), size_before);
  families = run.collect();
  EXPECT_EQ(sample(families, "pg_stat_user_tables_n_tup_ins", table(db, "orders")), 5000);
  EXPECT_EQ(sample(families, "pg_stat_user_tables_table_size_bytes", table(db, "orders")),
            size_before);
  EXPECT_EQ(sample(families, "migration_exporter_tables_sizes_timestamp_seconds",
                   {{"datname", db.name()}}),
            measured_at);

  // size_interval = 0: measured every poll.
  CollectorRun every_poll("tables", db.name(), "size_interval = \"0s\"");
  every_poll.collect();
  families = every_poll.collect();
  EXPECT_EQ(sample(families, "pg_stat_user_tables_table_size_bytes", table(db, "orders")),
            std::stod(db.exec("SELECT pg_table_size('orders')")));
}

// Between rankings, a size measurement measures only the tables written or vacuumed since their
// last one (their statistics say so), and every table after a catalog change (a new index).
TEST(RelationCadence, ASizeMeasurementBetweenRankingsMeasuresOnlyTablesThatCanHaveChanged) {
  TestDatabase db;
  create_quiet_and_busy_tables(db);
  const auto measured = [&db](const std::vector<prometheus::MetricFamily>& families) {
    return sizes_measured(families, db, "tables");
  };
  const auto served = [&db](const std::vector<prometheus::MetricFamily>& families,
                            const char* family, const char* name) {
    return sample(families, family, table(db, name)).value_or(-1);
  };
  const auto actual = [&db](const char* function, const char* name) {
    return std::stod(db.exec(std::string("SELECT ") + function + "('" + name + "')"));
  };

  CollectorRun run("tables", db.name(), "size_interval = \"0s\"\nrank_interval = \"1h\"");
  auto families = run.collect();
  EXPECT_EQ(measured(families), 2);
  families = run.collect();
  EXPECT_EQ(measured(families), 2) << "neither written: sizes kept";
  EXPECT_EQ(served(families, "pg_stat_user_tables_table_size_bytes", "quiet"),
            actual("pg_table_size", "quiet"));
  const double first_measured_at =
      sample(families, "migration_exporter_tables_sizes_timestamp_seconds",
             {{"datname", db.name()}})
          .value_or(0);

  // The next poll measures `count` tables in all so far, and serves busy's size as it is now.
  const auto poll_measuring = [&](double count) {
    families = run.collect();
    EXPECT_EQ(measured(families), count);
    EXPECT_EQ(served(families, "pg_stat_user_tables_table_size_bytes", "busy"),
              actual("pg_table_size", "busy"));
  };

  // Rows written to one table: that one is measured again, and serves its new size.
  db.exec("INSERT INTO busy SELECT g, repeat('x', 200) FROM generate_series(11, 5000) g");
  db.exec("SELECT pg_stat_force_next_flush()");
  poll_measuring(3);
  EXPECT_EQ(served(families, "pg_stat_user_tables_index_size_bytes", "busy"),
            actual("pg_indexes_size", "busy"));
  EXPECT_GE(sample(families, "migration_exporter_tables_sizes_timestamp_seconds",
                   {{"datname", db.name()}})
                .value_or(0),
            first_measured_at);

  // Emptied and vacuumed (VACUUM truncates the file): measured again.
  db.exec("DELETE FROM busy");
  db.exec("VACUUM busy");
  db.exec("SELECT pg_stat_force_next_flush()");
  poll_measuring(4);

  // Rows an open transaction is writing reach the statistics only when it ends: while it is
  // open, the table is measured at every size measurement and serves its growing size.
  SqlSession writer(db.name());
  writer.exec("BEGIN");
  writer.exec("INSERT INTO busy SELECT g, repeat('x', 200) FROM generate_series(1, 5000) g");
  poll_measuring(5);
  writer.exec("ROLLBACK");

  // An index on the quiet table writes none of its rows, but changes the catalogs: every table
  // is measured again.
  db.exec("CREATE INDEX quiet_note ON quiet (note)");
  db.exec("SELECT pg_stat_force_next_flush()");
  families = run.collect();
  EXPECT_EQ(measured(families), 7);
  EXPECT_EQ(served(families, "pg_stat_user_tables_index_size_bytes", "quiet"),
            actual("pg_indexes_size", "quiet"));
}

TEST(RelationCadence, TheRankingIsRenewedAtItsIntervalAndAtOnceWhenAnExportedTableIsDropped) {
  TestDatabase db;
  db.exec("CREATE TABLE small (id int); INSERT INTO small SELECT generate_series(1, 100)");
  db.exec("CREATE TABLE medium (id int); INSERT INTO medium SELECT generate_series(1, 5000)");
  db.exec("ANALYZE small; ANALYZE medium");

  CollectorRun run("tables", db.name(), "max_tables = 1\nrank_interval = \"2s\"");
  auto families = run.collect();
  EXPECT_TRUE(sample(families, "pg_stat_user_tables_n_live_tup", table(db, "medium")));
  EXPECT_FALSE(sample(families, "pg_stat_user_tables_n_live_tup", table(db, "small")));

  // A larger table appears: until the ranking is renewed, the exported table stays the same.
  db.exec("CREATE TABLE large (id int); INSERT INTO large SELECT generate_series(1, 50000)");
  db.exec("ANALYZE large");
  families = run.collect();
  EXPECT_TRUE(sample(families, "pg_stat_user_tables_n_live_tup", table(db, "medium")));
  EXPECT_FALSE(sample(families, "pg_stat_user_tables_n_live_tup", table(db, "large")));
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  families = run.collect();
  EXPECT_TRUE(sample(families, "pg_stat_user_tables_n_live_tup", table(db, "large")));
  EXPECT_FALSE(sample(families, "pg_stat_user_tables_n_live_tup", table(db, "medium")));
  EXPECT_EQ(sample(families, "migration_exporter_tables_dropped", {{"datname", db.name()}}), 2);

  // The exported table is dropped: gone from this poll, the next poll ranks again at once.
  db.exec("DROP TABLE large");
  families = run.collect();
  EXPECT_FALSE(sample(families, "pg_stat_user_tables_n_live_tup", table(db, "large")));
  families = run.collect();
  EXPECT_TRUE(sample(families, "pg_stat_user_tables_n_live_tup", table(db, "medium")));
}

// At rank_interval, a ranking whose inputs did not move (no catalog change, no VACUUM or ANALYZE
// recording new page counts) stands, with its names and sizes; one whose inputs moved runs.
TEST(RelationCadence, ARankingStandsWhileItsInputsStandStill) {
  TestDatabase db;
  db.exec("CREATE TABLE small (id int) WITH (autovacuum_enabled = off)");
  db.exec("CREATE TABLE medium (id int) WITH (autovacuum_enabled = off)");
  db.exec("INSERT INTO small SELECT generate_series(1, 100)");
  db.exec("INSERT INTO medium SELECT generate_series(1, 5000)");
  db.exec("ANALYZE small; ANALYZE medium");
  db.exec("SELECT pg_stat_force_next_flush()");
  const auto rankings = [&db](const std::vector<prometheus::MetricFamily>& families) {
    return sample(families, "migration_exporter_tables_rankings_total", {{"datname", db.name()}})
        .value_or(-1);
  };
  const auto exported = [&db](const std::vector<prometheus::MetricFamily>& families,
                              const char* name) {
    return sample(families, "pg_stat_user_tables_n_live_tup", table(db, name)).has_value();
  };

  CollectorRun run("tables", db.name(),
                   "max_tables = 1\nrank_interval = \"1s\"\nsize_interval = \"1h\"");
  auto families = run.collect();
  EXPECT_EQ(rankings(families), 1);
  EXPECT_TRUE(exported(families, "medium"));

  // Rows written but no page counts recorded: the ranking's inputs stand still.
  db.exec("INSERT INTO small SELECT generate_series(1, 50000)");
  db.exec("SELECT pg_stat_force_next_flush()");
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  families = run.collect();
  EXPECT_EQ(rankings(families), 1) << "nothing a ranking reads moved: it stands";
  EXPECT_TRUE(exported(families, "medium"));
  EXPECT_FALSE(exported(families, "small"));

  // ANALYZE records small's new page count: the next ranking runs and exports it.
  db.exec("ANALYZE small");
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  families = run.collect();
  EXPECT_EQ(rankings(families), 2);
  EXPECT_TRUE(exported(families, "small"));
  EXPECT_FALSE(exported(families, "medium"));
}

TEST(RelationCadence, IndexesServeStatisticsEveryPollAndSizesAtTheirInterval) {
  TestDatabase db;
  db.exec("CREATE TABLE orders (id int PRIMARY KEY, tag text)");
  db.exec("CREATE INDEX orders_tag ON orders (tag)");
  db.exec("INSERT INTO orders SELECT g, 't' FROM generate_series(1, 10) g");
  const double size_before = std::stod(db.exec("SELECT pg_relation_size('orders_tag')"));

  CollectorRun run("indexes", db.name(), "size_interval = \"1h\"");
  auto families = run.collect();
  EXPECT_EQ(sample(families, "pg_stat_user_indexes_size_bytes", {{"indexrelname", "orders_tag"}}),
            size_before);
  EXPECT_EQ(
      sample(families, "pg_stat_user_indexes_idx_scans_total", {{"indexrelname", "orders_pkey"}}),
      0);

  db.exec("INSERT INTO orders SELECT g, 't' || g FROM generate_series(11, 20000) g");
  mexp::test::SqlSession reader(db.name());
  reader.exec("SET enable_seqscan = off; SELECT tag FROM orders WHERE id = 7");
  reader.exec("SELECT pg_stat_force_next_flush()");
  ASSERT_GT(std::stod(db.exec("SELECT pg_relation_size('orders_tag')")), size_before);
  families = run.collect();
  EXPECT_EQ(
      sample(families, "pg_stat_user_indexes_idx_scans_total", {{"indexrelname", "orders_pkey"}}),
      1);
  EXPECT_EQ(sample(families, "pg_stat_user_indexes_size_bytes", {{"indexrelname", "orders_tag"}}),
            size_before);
  EXPECT_TRUE(sample(families, "migration_exporter_indexes_sizes_timestamp_seconds",
                     {{"datname", db.name()}}));
}

// The same for indexes, keyed on their table's writes and vacuums: an index of a table neither
// written nor vacuumed keeps its size, and every index is measured again after a catalog change.
TEST(RelationCadence, AnIndexSizeMeasurementMeasuresOnlyIndexesOfTablesThatCanHaveChanged) {
  TestDatabase db;
  create_quiet_and_busy_tables(db);
  const auto measured = [&db](const std::vector<prometheus::MetricFamily>& families) {
    return sizes_measured(families, db, "indexes");
  };
  const auto served = [](const std::vector<prometheus::MetricFamily>& families, const char* index) {
    return sample(families, "pg_stat_user_indexes_size_bytes", {{"indexrelname", index}})
        .value_or(-1);
  };
  const auto actual = [&db](const char* index) {
    return std::stod(db.exec(std::string("SELECT pg_relation_size('") + index + "')"));
  };

  CollectorRun run("indexes", db.name(), "size_interval = \"0s\"\nrank_interval = \"1h\"");
  auto families = run.collect();
  EXPECT_EQ(measured(families), 2);
  families = run.collect();
  EXPECT_EQ(measured(families), 2) << "neither table written: sizes kept";
  EXPECT_EQ(served(families, "quiet_pkey"), actual("quiet_pkey"));

  // Rows written to one table: its index is measured again and serves its new size.
  db.exec("INSERT INTO busy SELECT g, 'n' FROM generate_series(11, 5000) g");
  db.exec("SELECT pg_stat_force_next_flush()");
  ASSERT_GT(actual("busy_pkey"), actual("quiet_pkey"));
  families = run.collect();
  EXPECT_EQ(measured(families), 3);
  EXPECT_EQ(served(families, "busy_pkey"), actual("busy_pkey"));
  EXPECT_EQ(served(families, "quiet_pkey"), actual("quiet_pkey"));

  // An open transaction writing rows: its table's index is measured while it is open.
  SqlSession writer(db.name());
  writer.exec("BEGIN");
  writer.exec("INSERT INTO busy SELECT g, 'n' FROM generate_series(5001, 20000) g");
  families = run.collect();
  EXPECT_EQ(measured(families), 4);
  EXPECT_EQ(served(families, "busy_pkey"), actual("busy_pkey"));
  writer.exec("ROLLBACK");

  // A new index changes the catalogs: both exported indexes are measured again (the new one is
  // exported from the next ranking on).
  db.exec("CREATE INDEX quiet_note ON quiet (note)");
  db.exec("SELECT pg_stat_force_next_flush()");
  families = run.collect();
  EXPECT_EQ(measured(families), 6);
  EXPECT_EQ(served(families, "quiet_pkey"), actual("quiet_pkey"));
}
