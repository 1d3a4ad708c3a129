// The database collector measures a database's size again only when something can have changed
// its files since the last measurement: rows written, a VACUUM, or a transaction that has written
// since (whose rows the statistics count only when it ends); a quiet database keeps its last size.
#include <gtest/gtest.h>

#include <string>

#include "tests/support/collector_run.h"
#include "tests/support/test_pg.h"

using mexp::test::CollectorRun;
using mexp::test::sample;
using mexp::test::SqlSession;
using mexp::test::TestDatabase;

namespace {

// Autovacuum may still touch the new database's catalogs between a run and the comparison; the
// rows written below move the size by megabytes.
constexpr double kSlack = 256 * 1024;

struct Served {
  double size = -1;
  double measured = -1;
};

Served served(CollectorRun& run, const TestDatabase& db) {
  const auto families = run.collect();
  const mexp::test::LabelMap labels = {{"datname", db.name()}};
  return {
      sample(families, "pg_database_size_bytes", labels).value_or(-1),
      sample(families, "migration_exporter_database_sizes_measured_total", labels).value_or(-1)};
}

double actual_size(TestDatabase& db) {
  return std::stod(db.exec("SELECT pg_database_size(current_database())"));
}

}  // namespace

TEST(DatabaseSize, AQuietDatabaseKeepsItsSizeAndAWrittenOneIsMeasuredAgain) {
  TestDatabase db;
  db.exec("CREATE TABLE t (id int, note text) WITH (autovacuum_enabled = off)");
  db.exec("SELECT pg_stat_force_next_flush()");
  CollectorRun run("database", db.name());
  auto now = served(run, db);
  EXPECT_EQ(now.measured, 1);
  EXPECT_NEAR(now.size, actual_size(db), kSlack);

  const double first_size = now.size;
  now = served(run, db);
  EXPECT_EQ(now.measured, 1) << "nothing written: the size is kept";
  EXPECT_EQ(now.size, first_size);

  // A session holding a strong lock may have changed files until it went idle: measured once
  // after that, then kept while it stays idle in its transaction (a migration waiting with its
  // lock held).
  SqlSession locker(db.name());
  locker.exec("BEGIN");
  locker.exec("LOCK TABLE t IN ACCESS EXCLUSIVE MODE");
  EXPECT_EQ(served(run, db).measured, 2);
  EXPECT_EQ(served(run, db).measured, 2);
  locker.exec("ROLLBACK");

  // Rows written and committed: measured again, with the new size.
  db.exec("INSERT INTO t SELECT g, repeat('x', 500) FROM generate_series(1, 20000) g");
  db.exec("SELECT pg_stat_force_next_flush()");
  now = served(run, db);
  EXPECT_EQ(now.measured, 3);
  EXPECT_NEAR(now.size, actual_size(db), kSlack);

  // Rows written by a transaction still open (the statistics count them only when it ends):
  // measured, so the growth shows; then kept while the writer stays idle.
  SqlSession writer(db.name());
  writer.exec("BEGIN");
  writer.exec("INSERT INTO t SELECT g, repeat('y', 500) FROM generate_series(1, 20000) g");
  const double growing = actual_size(db);
  now = served(run, db);
  EXPECT_EQ(now.measured, 4);
  EXPECT_NEAR(now.size, growing, kSlack);
  EXPECT_GT(growing, first_size + 5e6);
  EXPECT_EQ(served(run, db).measured, 4);
  writer.exec("INSERT INTO t SELECT g, repeat('z', 500) FROM generate_series(1, 20000) g");
  now = served(run, db);
  EXPECT_EQ(now.measured, 5) << "written again";
  EXPECT_NEAR(now.size, actual_size(db), kSlack);
  writer.exec("ROLLBACK");
  writer.exec("SELECT pg_stat_force_next_flush()");
  served(run, db);

  // A VACUUM writes no row but truncates the file of a table emptied before the last measurement.
  db.exec("DELETE FROM t");
  db.exec("SELECT pg_stat_force_next_flush()");
  const double before_vacuum = served(run, db).measured;
  db.exec("VACUUM t");
  now = served(run, db);
  EXPECT_EQ(now.measured, before_vacuum + 1);
  EXPECT_NEAR(now.size, actual_size(db), kSlack);
}
