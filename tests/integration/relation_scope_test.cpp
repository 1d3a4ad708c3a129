// Cardinality controls of the tables and indexes collectors: schema/table patterns, the top-N cap
// with its dropped count, exact index statistics, and visits to other databases.
#include <gtest/gtest.h>

#include "tests/support/collector_run.h"
#include "tests/support/test_pg.h"

using mexp::test::CollectorRun;
using mexp::test::count_samples;
using mexp::test::sample;
using mexp::test::SqlSession;
using mexp::test::TestDatabase;

namespace {

// Tables of clearly different sizes, named so that alphabetical order is not size order:
// payments > invoices > accounts > tiny. ANALYZE records their page counts, which the cap ranks by.
void create_shop(TestDatabase& db) {
  db.exec(
      "CREATE SCHEMA shop; CREATE SCHEMA shop_archive; CREATE SCHEMA scratch;"
      "CREATE TABLE shop.payments (id int PRIMARY KEY, body text);"
      "CREATE TABLE shop.invoices (id int PRIMARY KEY, body text);"
      "CREATE TABLE shop.accounts (id int PRIMARY KEY, body text);"
      "CREATE TABLE shop.tmp_import (id int);"
      "CREATE TABLE shop_archive.tiny (id int);"
      "CREATE TABLE scratch.notes (id int);"
      "INSERT INTO shop.payments SELECT g, repeat('b', 200) FROM generate_series(1, 4000) g;"
      "INSERT INTO shop.invoices SELECT g, repeat('m', 200) FROM generate_series(1, 1000) g;"
      "INSERT INTO shop.accounts SELECT g, 's' FROM generate_series(1, 10) g;"
      "ANALYZE;");
  db.exec("SELECT pg_stat_force_next_flush()");  // the inserts count before the first poll
}

mexp::test::LabelMap table(const std::string& db, const char* schema, const char* name) {
  return {{"datname", db}, {"schemaname", schema}, {"relname", name}};
}

}  // namespace

TEST(RelationScope, PatternsSelectSchemasAndTablesAndTheCapKeepsTheLargest) {
  TestDatabase db;
  create_shop(db);
  // "shop.*" would also match shop_archive; the exclude list takes it out again.
  CollectorRun run("tables", db.name(),
                   "include_schemas = ['shop.*']\n"
                   "exclude_schemas = ['shop_archive']\n"
                   "exclude_tables = ['tmp_.*']\n"
                   "max_tables = 2\n");
  const auto families = run.collect();
  EXPECT_EQ(count_samples(families, "pg_stat_user_tables_seq_scan"), 2u);
  EXPECT_TRUE(
      sample(families, "pg_stat_user_tables_seq_scan", table(db.name(), "shop", "payments")));
  EXPECT_TRUE(
      sample(families, "pg_stat_user_tables_seq_scan", table(db.name(), "shop", "invoices")));
  EXPECT_EQ(count_samples(families, "pg_stat_user_tables_table_size_bytes"), 2u);
  // payments, invoices and accounts matched; accounts fell under the cap.
  EXPECT_EQ(sample(families, "migration_exporter_tables_dropped", {{"datname", db.name()}}), 1);
}

TEST(RelationScope, WithoutOptionsEveryUserTableIsExported) {
  TestDatabase db;
  create_shop(db);
  CollectorRun run("tables", db.name());
  const auto families = run.collect();
  EXPECT_EQ(count_samples(families, "pg_stat_user_tables_n_live_tup"), 6u);
  EXPECT_EQ(sample(families, "migration_exporter_tables_dropped", {{"datname", db.name()}}), 0);

  // Uncapped, statistics are read with a plain join rather than per table: same values.
  CollectorRun uncapped("tables", db.name(), "max_tables = 0\n");
  const auto all = uncapped.collect();
  EXPECT_EQ(count_samples(all, "pg_stat_user_tables_n_live_tup"), 6u);
  for (const char* name : {"payments", "invoices", "accounts"}) {
    for (const char* metric : {"pg_stat_user_tables_n_live_tup", "pg_stat_user_tables_n_tup_ins",
                               "pg_stat_user_tables_table_size_bytes"}) {
      EXPECT_EQ(sample(all, metric, table(db.name(), "shop", name)),
                sample(families, metric, table(db.name(), "shop", name)))
          << metric << " " << name;
    }
  }
  EXPECT_EQ(sample(all, "pg_stat_user_tables_n_tup_ins", table(db.name(), "shop", "payments")),
            4000);
}

TEST(RelationScope, IndexesReportScansSizesAndNeverScannedIndexesPerTable) {
  TestDatabase db;
  create_shop(db);
  db.exec(
      "CREATE INDEX payments_body ON shop.payments (body);"
      "CREATE INDEX payments_body_prefix ON shop.payments (left(body, 3));"
      "CREATE INDEX invoices_body ON shop.invoices (body);"
      "ANALYZE;");
  SqlSession writer(db.name());
  writer.exec("SET enable_seqscan = off; SET enable_bitmapscan = off");
  writer.exec(
      "SELECT body FROM shop.payments WHERE id = 7");  // payments_pkey: 1 scan, 1 entry, 1 row
  writer.exec("SELECT body FROM shop.invoices WHERE body = 'none'");
  writer.exec("SELECT pg_stat_force_next_flush()");

  CollectorRun run("indexes", db.name(), "exclude_tables = ['accounts']\n");
  const auto families = run.collect();
  const auto index = [&](const char* name) {
    return mexp::test::LabelMap{{"datname", db.name()}, {"indexrelname", name}};
  };
  // shop.accounts is excluded; payments_pkey, payments_body, payments_body_prefix, invoices_pkey,
  // invoices_body remain.
  EXPECT_EQ(count_samples(families, "pg_stat_user_indexes_idx_scans_total"), 5u);
  EXPECT_FALSE(sample(families, "pg_stat_user_indexes_idx_scans_total", index("accounts_pkey")));
  EXPECT_EQ(sample(families, "pg_stat_user_indexes_idx_scans_total", index("payments_pkey")), 1);
  EXPECT_EQ(sample(families, "pg_stat_user_indexes_idx_tup_reads_total", index("payments_pkey")),
            1);
  EXPECT_EQ(sample(families, "pg_stat_user_indexes_idx_tup_fetches_total", index("payments_pkey")),
            1);
  EXPECT_EQ(sample(families, "pg_stat_user_indexes_idx_scans_total", index("payments_body")), 0);
  EXPECT_EQ(sample(families, "pg_stat_user_indexes_idx_scans_total", index("payments_body_prefix")),
            0);
  EXPECT_EQ(sample(families, "pg_stat_user_indexes_idx_scans_total", index("invoices_body")), 1);
  EXPECT_EQ(sample(families, "pg_stat_user_indexes_idx_tup_reads_total", index("invoices_body")),
            0);
  EXPECT_EQ(sample(families, "pg_stat_user_indexes_idx_tup_fetches_total", index("invoices_body")),
            0);
  EXPECT_EQ(sample(families, "pg_stat_user_indexes_size_bytes", index("payments_body")),
            std::stod(db.exec("SELECT pg_relation_size('shop.payments_body')")));
  // Never scanned, unique ones not counted: payments has payments_body and payments_body_prefix;
  // invoices has none (invoices_body was scanned, invoices_pkey is unique and never scanned).
  EXPECT_EQ(
      sample(families, "pg_stat_user_indexes_never_scanned", table(db.name(), "shop", "payments")),
      2);
  EXPECT_FALSE(
      sample(families, "pg_stat_user_indexes_never_scanned", table(db.name(), "shop", "invoices")));
  EXPECT_EQ(sample(families, "migration_exporter_indexes_dropped", {{"datname", db.name()}}), 0);

  CollectorRun capped("indexes", db.name(), "max_indexes = 2\n");
  const auto few = capped.collect();
  EXPECT_EQ(count_samples(few, "pg_stat_user_indexes_size_bytes"), 2u);
  // 4,000 200-byte keys: by far the largest index (ANALYZE recorded its pages).
  EXPECT_TRUE(sample(few, "pg_stat_user_indexes_size_bytes", index("payments_body")));
  EXPECT_EQ(sample(few, "migration_exporter_indexes_dropped", {{"datname", db.name()}}), 4);
}

TEST(RelationScope, VisitsConfiguredAndDiscoveredDatabasesWithTheirOwnDatname) {
  TestDatabase main_db;
  TestDatabase listed;
  TestDatabase excluded;
  main_db.exec("CREATE TABLE home (id int)");
  listed.exec("CREATE TABLE away (id int)");
  excluded.exec("CREATE TABLE hidden (id int)");

  CollectorRun configured("tables", main_db.name(), "databases = ['" + listed.name() + "']\n");
  auto families = configured.collect();
  EXPECT_TRUE(
      sample(families, "pg_stat_user_tables_n_live_tup", table(main_db.name(), "public", "home")));
  EXPECT_TRUE(
      sample(families, "pg_stat_user_tables_n_live_tup", table(listed.name(), "public", "away")));
  EXPECT_FALSE(sample(families, "pg_stat_user_tables_n_live_tup", {{"relname", "hidden"}}));
  EXPECT_EQ(sample(families, "migration_exporter_tables_database_up", {{"datname", listed.name()}}),
            1);
  EXPECT_EQ(
      sample(families, "migration_exporter_tables_skipped_locked", {{"datname", listed.name()}}),
      0);

  // Discovery finds every connectable database; other tests' databases may come and go meanwhile,
  // so only ours are asserted.
  CollectorRun discovered(
      "indexes", main_db.name(),
      "all_databases = true\nexclude_databases = ['" + excluded.name() + "']\n");
  listed.exec("CREATE INDEX away_id ON away (id)");
  excluded.exec("CREATE INDEX hidden_id ON hidden (id)");
  families = discovered.collect();
  EXPECT_TRUE(sample(families, "pg_stat_user_indexes_idx_scans_total",
                     {{"datname", listed.name()}, {"indexrelname", "away_id"}}));
  EXPECT_FALSE(
      sample(families, "pg_stat_user_indexes_idx_scans_total", {{"indexrelname", "hidden_id"}}));
  EXPECT_EQ(
      sample(families, "migration_exporter_indexes_database_up", {{"datname", listed.name()}}), 1);
  EXPECT_FALSE(
      sample(families, "migration_exporter_indexes_database_up", {{"datname", excluded.name()}}));

  // A listed database that does not exist is reported down; the others are still read.
  CollectorRun missing("tables", main_db.name(), "databases = ['no_such_database_here']\n");
  families = missing.collect();
  EXPECT_EQ(sample(families, "migration_exporter_tables_database_up",
                   {{"datname", "no_such_database_here"}}),
            0);
  EXPECT_TRUE(
      sample(families, "pg_stat_user_tables_n_live_tup", table(main_db.name(), "public", "home")));
}
