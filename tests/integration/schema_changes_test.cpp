// schema_changes against real sessions and real migration tools: DDL typed in psql is counted
// once, the same kind of DDL run by Sqitch and Alembic (installed Debian packages) is not, even
// when the tool's whole run falls between two polls; storage-only commands are not changes.
#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

#include "tests/support/metrics_text.h"
#include "tests/support/test_pg.h"

using mexp::test::collect;
using mexp::test::TestDatabase;

namespace {

constexpr const char* kPython = "/usr/bin/python3";  // Debian's, where python3-alembic lives

class SchemaChanges : public ::testing::Test {
 protected:
  void SetUp() override {
    db.exec("CREATE TABLE orders (id int PRIMARY KEY, note text)");
    session = mexp::test::monitor_session(db);
    collector = mexp::test::make_collector("schema_changes");
  }
  // Statistics reach the server up to a second after a commit (at once when a backend exits):
  // force them out before each poll, as time between real polls does.
  mexp::test::Samples poll() {
    db.exec("SELECT pg_stat_force_next_flush()");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return collect(*collector, *session);
  }
  double unmanaged(const mexp::test::Samples& samples) {
    return samples.get("pg_schema_unmanaged_changes_total", {{"datname", db.name()}}).value_or(-1);
  }
  double managed(const mexp::test::Samples& samples) {
    return samples.get("pg_schema_managed_changes_total", {{"datname", db.name()}}).value_or(-1);
  }
  // Runs a tool as a shell command in `dir` with the cluster's TCP address in the environment.
  void run_tool(const std::string& dir, const std::string& command) {
    const std::string line = "cd '" + dir +
                             "' && export PGPORT=" + std::to_string(mexp::test::cluster_port()) +
                             " DB=" + db.name() + " && " + command + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(line.c_str()), 0) << line;
  }

  TestDatabase db;
  std::unique_ptr<mexp::PgSession> session;
  std::unique_ptr<mexp::Collector> collector;
};

const std::string kTools = std::string(ME_SOURCE_DIR) + "/tests/tools/history";

}  // namespace

TEST_F(SchemaChanges, AlterTableInPsqlCountsOnce) {
  const auto first = poll();
  EXPECT_EQ(unmanaged(first), 0);
  EXPECT_EQ(first.get("pg_schema_unmanaged_change_last_timestamp_seconds"), 0);

  db.exec("ALTER TABLE orders ADD COLUMN shipped_at timestamptz");
  // Seen now, decided at the next poll (a tool's history row may land a little after its DDL).
  const auto seen = poll();
  EXPECT_EQ(unmanaged(seen), 0);
  const auto decided = poll();
  EXPECT_EQ(unmanaged(decided), 1);
  EXPECT_EQ(managed(decided), 0);
  EXPECT_GT(*decided.get("pg_schema_unmanaged_change_last_timestamp_seconds"), 1.7e9);
  EXPECT_TRUE(decided.get("pg_schema_unmanaged_change_timestamp_seconds",
                          {{"schemaname", "public"}, {"kind", "column"}}));
  EXPECT_FALSE(decided.get("pg_schema_unmanaged_change_timestamp_seconds", {{"kind", "index"}}));
  EXPECT_EQ(unmanaged(poll()), 1) << "one ALTER is one change";

  db.exec("CREATE INDEX orders_note_idx ON orders (note)");
  poll();
  const auto indexed = poll();
  EXPECT_EQ(unmanaged(indexed), 2);
  EXPECT_TRUE(indexed.get("pg_schema_unmanaged_change_timestamp_seconds",
                          {{"schemaname", "public"}, {"kind", "index"}}));
}

TEST_F(SchemaChanges, StorageAndPrivilegeCommandsAreNotChanges) {
  db.exec("INSERT INTO orders SELECT g, 'n' FROM generate_series(1, 100) g");
  poll();
  const double runs_before = *poll().get("migration_exporter_schema_changes_fingerprints_total");
  db.exec("VACUUM FULL orders");
  db.exec("TRUNCATE orders");
  db.exec("REINDEX TABLE orders");
  db.exec("GRANT SELECT ON orders TO PUBLIC");
  db.exec("CREATE TEMP TABLE scratch (x int)");
  poll();
  const auto after = poll();
  EXPECT_GT(*after.get("migration_exporter_schema_changes_fingerprints_total"), runs_before)
      << "the catalogs moved: the schema was fingerprinted";
  EXPECT_EQ(unmanaged(after), 0);
  EXPECT_EQ(managed(after), 0);
}

TEST_F(SchemaChanges, NoCatalogActivityMeansNoFingerprint) {
  poll();
  const double runs = *poll().get("migration_exporter_schema_changes_fingerprints_total");
  db.exec("INSERT INTO orders VALUES (1, 'row writes are not schema changes')");
  EXPECT_EQ(*poll().get("migration_exporter_schema_changes_fingerprints_total"), runs);
}

TEST_F(SchemaChanges, SqitchDeploysBetweenTwoPollsCountNone) {
  const std::string sqitch =
      "SQITCH_FULLNAME='Test Deployer' SQITCH_EMAIL=deployer@example.com sqitch --quiet";
  const std::string target = "db:pg://postgres@127.0.0.1:$PGPORT/$DB";
  poll();
  // First deploy: Sqitch creates its registry and the first change, all between two polls.
  run_tool(kTools + "/sqitch", sqitch + " deploy --to users " + target);
  const auto first = poll();
  EXPECT_GT(managed(first), 0);
  run_tool(kTools + "/sqitch", sqitch + " deploy --to orders " + target);
  poll();
  const auto second = poll();
  EXPECT_EQ(unmanaged(second), 0);
  EXPECT_GT(managed(second), managed(first));
  ASSERT_EQ(db.exec("SELECT count(*) FROM pg_tables WHERE tablename = 'sqitch_orders'"), "1");

  // The same kind of DDL by hand afterwards is still noticed.
  db.exec("ALTER TABLE sqitch_orders ADD COLUMN note text");
  poll();
  EXPECT_EQ(unmanaged(poll()), 1);
}

TEST_F(SchemaChanges, AlembicUpgradeCountsNone) {
  poll();
  run_tool(kTools + "/alembic",
           std::string("ALEMBIC_URL=postgresql://postgres@127.0.0.1:$PGPORT/$DB ") + kPython +
               " -m alembic -c alembic.ini upgrade b2b2b2b2b2b2");
  const auto upgraded = poll();
  EXPECT_GT(managed(upgraded), 0);
  EXPECT_EQ(unmanaged(poll()), 0);
  ASSERT_EQ(db.exec("SELECT count(*) FROM alembic_version"), "1");
}

TEST_F(SchemaChanges, DdlWhileAMigrationToolHoldsItsLockIsTheTools) {
  poll();
  // Sqitch's advisory lock held by the session running the DDL: no history row yet, but the lock
  // says a migration runs.
  mexp::test::SqlSession migration(db.name());
  migration.exec("SELECT pg_advisory_lock(75474063)");
  migration.exec("ALTER TABLE orders ADD COLUMN total int");
  migration.exec("SELECT pg_stat_force_next_flush()");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const auto during = poll();
  migration.exec("SELECT pg_advisory_unlock(75474063)");
  EXPECT_EQ(managed(during), 1);
  EXPECT_EQ(unmanaged(poll()), 0);
}
