// The tables, indexes and statio_user_tables collectors between catalog reads, against the real
// server: polls whose catalogs did not change read statistics only and serve the same values a
// catalog read would; a rename, a new index and a drop are followed; without trustworthy catalog
// statistics (track_counts off) every poll reads the catalogs.
#include <gtest/gtest.h>

#include <string>

#include "tests/support/collector_run.h"
#include "tests/support/test_pg.h"

using mexp::test::CollectorRun;
using mexp::test::sample;
using mexp::test::TestDatabase;

namespace {

mexp::test::LabelMap table(const TestDatabase& db, const std::string& name) {
  return {{"datname", db.name()}, {"schemaname", "public"}, {"relname", name}};
}

double catalog_reads(const std::vector<prometheus::MetricFamily>& families,
                     const std::string& collector, const TestDatabase& db) {
  return sample(families, "migration_exporter_" + collector + "_catalog_reads_total",
                {{"datname", db.name()}})
      .value_or(-1);
}

// Writes that commit and reach the statistics system before the next poll.
void exec_flushed(TestDatabase& db, const std::string& sql) {
  db.exec(sql);
  db.exec("SELECT pg_stat_force_next_flush()");
}

// One index scan of orders, on the index over `column`.
void scan_by_index(TestDatabase& db, const std::string& column) {
  exec_flushed(db, "BEGIN; SET LOCAL enable_seqscan = off; SELECT count(*) FROM orders WHERE " +
                       column + " = 3; COMMIT");
}

void make_orders(TestDatabase& db) {
  db.exec(
      "CREATE TABLE orders (id int PRIMARY KEY, note text, code int) "
      "WITH (autovacuum_enabled = off)");
  // Stored uncompressed, the 3,000-byte notes go to the TOAST table.
  db.exec("ALTER TABLE orders ALTER note SET STORAGE EXTERNAL");
  exec_flushed(db,
               "INSERT INTO orders SELECT g, repeat('n', 3000), g FROM generate_series(1, 20) g");
}

// Every value of every series of `name`, by its labels, to compare two polls.
std::map<std::string, double> series_of(const std::vector<prometheus::MetricFamily>& families,
                                        const std::string& name) {
  std::map<std::string, double> values;
  const auto* family = mexp::test::find_family(families, name);
  if (family == nullptr) return values;
  for (const auto& metric : family->metric) {
    std::string key;
    for (const auto& label : metric.label) key += label.name + "=" + label.value + ",";
    values[key] =
        family->type == prometheus::MetricType::Counter ? metric.counter.value : metric.gauge.value;
  }
  return values;
}

}  // namespace

TEST(RelationIdentity, TablesPollsBetweenCatalogReadsFollowStatisticsRenamesNewIndexesAndDrops) {
  TestDatabase db;
  make_orders(db);
  CollectorRun run("tables", db.name(), "size_interval = \"1h\"\nrank_interval = \"1h\"");
  auto families = run.collect();
  ASSERT_EQ(catalog_reads(families, "tables", db), 1);

  // Rows and an index scan, no catalog change: statistics only, and they move.
  exec_flushed(db, "INSERT INTO orders SELECT g, 'n', g FROM generate_series(21, 30) g");
  scan_by_index(db, "id");
  families = run.collect();
  EXPECT_EQ(catalog_reads(families, "tables", db), 1);
  EXPECT_EQ(sample(families, "pg_stat_user_tables_n_tup_ins", table(db, "orders")), 30);
  EXPECT_EQ(sample(families, "pg_stat_user_tables_idx_scan", table(db, "orders")), 1);
  // What a catalog read of the same moment serves, series for series.
  CollectorRun fresh("tables", db.name(), "size_interval = \"1h\"\nrank_interval = \"1h\"");
  const auto reference = fresh.collect();
  for (const char* name : {"pg_stat_user_tables_seq_scan", "pg_stat_user_tables_idx_tup_fetch",
                           "pg_stat_user_tables_n_live_tup", "pg_stat_user_tables_table_size_bytes",
                           "pg_stat_user_tables_last_vacuum"}) {
    EXPECT_EQ(series_of(families, name), series_of(reference, name)) << name;
  }

  // A second index, scanned: the catalogs changed, so it is read again and counted in idx_scan.
  exec_flushed(db, "CREATE INDEX orders_code ON orders (code)");
  scan_by_index(db, "code");
  families = run.collect();
  EXPECT_EQ(catalog_reads(families, "tables", db), 2);
  EXPECT_EQ(sample(families, "pg_stat_user_tables_idx_scan", table(db, "orders")), 2);
  families = run.collect();
  EXPECT_EQ(catalog_reads(families, "tables", db), 2);
  EXPECT_EQ(sample(families, "pg_stat_user_tables_idx_scan", table(db, "orders")), 2);

  exec_flushed(db, "ALTER TABLE orders RENAME TO purchases");
  families = run.collect();
  EXPECT_FALSE(sample(families, "pg_stat_user_tables_n_tup_ins", table(db, "orders")));
  EXPECT_EQ(sample(families, "pg_stat_user_tables_n_tup_ins", table(db, "purchases")), 30);

  exec_flushed(db, "DROP TABLE purchases");
  families = run.collect();
  EXPECT_EQ(mexp::test::count_samples(families, "pg_stat_user_tables_n_tup_ins"), 0u);
}

TEST(RelationIdentity, AnExportedTableDroppedBeforeItsStatisticsArriveIsNotServed) {
  TestDatabase db;
  make_orders(db);
  db.exec("CREATE TABLE other (id int)");
  CollectorRun run("tables", db.name(), "size_interval = \"1h\"\nrank_interval = \"1h\"");
  run.collect();
  // Dropped by a session that stays open, its statistics not flushed: the catalogs' signal has not
  // moved yet, and the table must still not be served (with zeros) under its name.
  mexp::test::SqlSession dropper(db.name());
  dropper.exec("SELECT pg_stat_force_next_flush()");
  dropper.exec("SELECT 1");
  dropper.exec("DROP TABLE orders");
  const auto families = run.collect();
  EXPECT_FALSE(sample(families, "pg_stat_user_tables_n_tup_ins", table(db, "orders")));
  EXPECT_TRUE(sample(families, "pg_stat_user_tables_n_tup_ins", table(db, "other")));
}

TEST(RelationIdentity, IndexesAndStatioPollsBetweenCatalogReadsServeWhatACatalogReadServes) {
  TestDatabase db;
  make_orders(db);
  CollectorRun indexes("indexes", db.name(), "size_interval = \"1h\"\nrank_interval = \"1h\"");
  CollectorRun statio("statio_user_tables", db.name(), "rank_interval = \"1h\"");
  indexes.collect();
  statio.collect();

  scan_by_index(db, "id");
  exec_flushed(db, "SELECT sum(length(note)) FROM orders");
  const auto index_families = indexes.collect();
  const auto statio_families = statio.collect();
  EXPECT_EQ(catalog_reads(index_families, "indexes", db), 1);
  EXPECT_EQ(catalog_reads(statio_families, "statio_user_tables", db), 1);
  EXPECT_EQ(sample(index_families, "pg_stat_user_indexes_idx_scans_total",
                   {{"datname", db.name()}, {"indexrelname", "orders_pkey"}}),
            1);
  // The notes are TOASTed: reading them hit the TOAST table and its index.
  EXPECT_GT(
      sample(statio_families, "pg_statio_user_tables_toast_blocks_hit", table(db, "orders"))
              .value_or(0) +
          sample(statio_families, "pg_statio_user_tables_toast_blocks_read", table(db, "orders"))
              .value_or(0),
      0);

  CollectorRun fresh_indexes("indexes", db.name(), "size_interval = \"1h\"");
  CollectorRun fresh_statio("statio_user_tables", db.name());
  const auto index_reference = fresh_indexes.collect();
  const auto statio_reference = fresh_statio.collect();
  for (const char* name :
       {"pg_stat_user_indexes_idx_scans_total", "pg_stat_user_indexes_idx_tup_reads_total",
        "pg_stat_user_indexes_idx_tup_fetches_total", "pg_stat_user_indexes_size_bytes"}) {
    EXPECT_EQ(series_of(index_families, name), series_of(index_reference, name)) << name;
  }
  for (const char* name :
       {"pg_statio_user_tables_heap_blocks_read", "pg_statio_user_tables_heap_blocks_hit",
        "pg_statio_user_tables_idx_blocks_hit", "pg_statio_user_tables_toast_blocks_hit",
        "pg_statio_user_tables_tidx_blocks_hit", "pg_statio_user_tables_tidx_blocks_read"}) {
    EXPECT_EQ(series_of(statio_families, name), series_of(statio_reference, name)) << name;
  }

  exec_flushed(db, "ALTER INDEX orders_pkey RENAME TO orders_key");
  const auto renamed = indexes.collect();
  EXPECT_EQ(catalog_reads(renamed, "indexes", db), 2);
  EXPECT_TRUE(sample(renamed, "pg_stat_user_indexes_idx_scans_total",
                     {{"datname", db.name()}, {"indexrelname", "orders_key"}}));
  EXPECT_FALSE(sample(renamed, "pg_stat_user_indexes_idx_scans_total",
                      {{"datname", db.name()}, {"indexrelname", "orders_pkey"}}));
}

TEST(RelationIdentity, WithoutCatalogStatisticsEveryPollReadsTheCatalogs) {
  TestDatabase db;
  make_orders(db);
  db.exec("ALTER DATABASE " + db.name() + " SET track_counts = off");
  CollectorRun run("tables", db.name(), "size_interval = \"1h\"\nrank_interval = \"1h\"");
  run.collect();
  EXPECT_EQ(catalog_reads(run.collect(), "tables", db), 2);
  db.exec("ALTER TABLE orders RENAME TO purchases");
  const auto families = run.collect();
  EXPECT_EQ(catalog_reads(families, "tables", db), 3);
  EXPECT_TRUE(sample(families, "pg_stat_user_tables_n_live_tup", table(db, "purchases")));
}
