// tables collector against the real server: exact pg_stat_user_tables values after known writes,
// sizes equal to the server's own functions, patterns and the top-N cap, and other databases.
#include <gtest/gtest.h>

#include "tests/support/collector_run.h"
#include "tests/support/test_pg.h"

using mexp::test::CollectorRun;
using mexp::test::count_samples;
using mexp::test::sample;
using mexp::test::SqlSession;
using mexp::test::TestDatabase;

namespace {

// Makes the writer's statistics visible to other sessions now rather than within a second.
void flush_stats(SqlSession& writer) { writer.exec("SELECT pg_stat_force_next_flush()"); }

double as_number(const std::string& text) { return std::stod(text); }

}  // namespace

TEST(TablesCollector, ExportsExactStatisticsAfterKnownWrites) {
  TestDatabase db;
  // Autovacuum off on the table: its counters and timestamps must come from the test alone.
  db.exec(
      "CREATE TABLE public.orders (id int PRIMARY KEY, note text) "
      "WITH (autovacuum_enabled = off)");
  SqlSession writer(db.name());
  writer.exec("SET enable_indexscan = off; SET enable_bitmapscan = off");
  writer.exec("INSERT INTO orders SELECT g, 'n' FROM generate_series(1, 10) g");
  writer.exec("UPDATE orders SET note = 'changed' WHERE id <= 3");  // seq scan 1, 10 rows read
  writer.exec("DELETE FROM orders WHERE id > 8");                   // seq scan 2, 10 rows read
  writer.exec("SELECT count(*) FROM orders");                       // seq scan 3, 8 rows read
  writer.exec("SET enable_indexscan = on; SET enable_seqscan = off");
  writer.exec("SELECT note FROM orders WHERE id = 5");  // index scan 1, 1 row fetched
  // Counters first: VACUUM and ANALYZE set n_live_tup/n_dead_tup absolutely, and deltas flushed
  // after them would be added on top.
  flush_stats(writer);
  writer.exec("VACUUM orders");
  writer.exec("ANALYZE orders");
  flush_stats(writer);

  CollectorRun run("tables", db.name());
  const auto families = run.collect();
  const mexp::test::LabelMap table = {
      {"datname", db.name()}, {"schemaname", "public"}, {"relname", "orders"}};
  const auto value = [&](const char* name) {
    const auto found = sample(families, std::string("pg_stat_user_tables_") + name, table);
    EXPECT_TRUE(found.has_value()) << name;
    return found.value_or(-1);
  };
  EXPECT_EQ(value("seq_scan"), 3);
  EXPECT_EQ(value("seq_tup_read"), 28);
  EXPECT_EQ(value("idx_scan"), 1);
  EXPECT_EQ(value("idx_tup_fetch"), 1);
  EXPECT_EQ(value("n_tup_ins"), 10);
  EXPECT_EQ(value("n_tup_upd"), 3);
  EXPECT_EQ(value("n_tup_del"), 2);
  EXPECT_EQ(value("n_tup_hot_upd"), 3);  // note is not indexed and the page has room
  EXPECT_EQ(value("n_live_tup"), 8);
  EXPECT_EQ(value("n_dead_tup"), 0);  // VACUUM removed the 3 old versions and 2 deleted rows
  EXPECT_EQ(value("n_mod_since_analyze"), 0);
  EXPECT_EQ(value("vacuum_count"), 1);
  EXPECT_EQ(value("analyze_count"), 1);
  EXPECT_EQ(value("autovacuum_count"), 0);
  EXPECT_EQ(value("autoanalyze_count"), 0);
  EXPECT_EQ(value("last_autovacuum"), 0);  // never: postgres_exporter's 1970 convention
  EXPECT_EQ(value("last_autoanalyze"), 0);
  EXPECT_DOUBLE_EQ(
      value("last_vacuum"),
      as_number(db.exec("SELECT extract(epoch FROM last_vacuum) FROM pg_stat_user_tables "
                        "WHERE relname = 'orders'")));
  EXPECT_DOUBLE_EQ(
      value("last_analyze"),
      as_number(db.exec("SELECT extract(epoch FROM last_analyze) FROM pg_stat_user_tables "
                        "WHERE relname = 'orders'")));
  EXPECT_GT(value("last_analyze"), value("last_vacuum"));
  // One heap page, its free space map and visibility map, and the empty TOAST table's index.
  EXPECT_EQ(value("table_size_bytes"), as_number(db.exec("SELECT pg_table_size('orders')")));
  EXPECT_EQ(value("table_size_bytes"), 8192 + 24576 + 8192 + 8192);
  EXPECT_EQ(value("index_size_bytes"), as_number(db.exec("SELECT pg_indexes_size('orders')")));
  EXPECT_EQ(value("index_size_bytes"), 16384);  // the primary key: metapage + one leaf

  EXPECT_EQ(sample(families, "migration_exporter_tables_skipped_locked", {{"datname", db.name()}}),
            0);
  EXPECT_EQ(sample(families, "migration_exporter_tables_dropped", {{"datname", db.name()}}), 0);
  // Families keep postgres_exporter's types.
  EXPECT_EQ(mexp::test::find_family(families, "pg_stat_user_tables_seq_scan")->type,
            prometheus::MetricType::Counter);
  EXPECT_EQ(mexp::test::find_family(families, "pg_stat_user_tables_n_live_tup")->type,
            prometheus::MetricType::Gauge);
}
