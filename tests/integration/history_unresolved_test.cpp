// migration_unresolved_failures, what MigrationFailed alerts on: a failure counts until a later
// row of the same migration resolves it (Sqitch's deploy after a fail, golang-migrate's `force`
// to a clean state), while migration_failed keeps counting the failures recorded.
#include <gtest/gtest.h>

#include "tests/support/metrics_text.h"
#include "tests/support/test_pg.h"

using namespace mexp::test;

TEST(UnresolvedFailures, SqitchFailThenDeployOfTheSameChangeResolves) {
  TestDatabase db;
  // The columns of Sqitch's registry (reference: lib/App/Sqitch/Engine/pg.sql) that are read.
  db.exec(
      "CREATE SCHEMA sqitch; CREATE TABLE sqitch.projects (project text PRIMARY KEY); "
      "CREATE TABLE sqitch.changes (change_id text PRIMARY KEY); "
      "CREATE TABLE sqitch.events (event text NOT NULL, change_id text NOT NULL, change text NOT "
      "NULL, project text NOT NULL, note text NOT NULL DEFAULT '', committed_at timestamptz NOT "
      "NULL, committer_name text NOT NULL, PRIMARY KEY (change_id, committed_at))");
  db.exec("GRANT USAGE ON SCHEMA sqitch TO PUBLIC");
  db.grant_select("sqitch.events");
  db.exec(
      "INSERT INTO sqitch.events VALUES ('deploy', 'a1', 'users', 'shop', '', '2026-01-01 "
      "00:01', 'dev'), ('fail', 'b1', 'orders', 'shop', '', '2026-01-01 00:02', 'dev')");
  auto session = monitor_session(db);
  auto collector = make_collector("history");
  const std::map<std::string, std::string> events = {{"tool", "sqitch"}, {"table", "events"}};
  auto samples = collect(*collector, *session);
  EXPECT_EQ(samples.get("migration_failed", events), 1);
  EXPECT_EQ(samples.get("migration_unresolved_failures", events), 1);
  db.exec(
      "INSERT INTO sqitch.events VALUES ('deploy', 'b1', 'orders', 'shop', '', '2026-01-01 "
      "00:03', 'dev')");
  samples = collect(*collector, *session);
  EXPECT_EQ(samples.get("migration_failed", events), 1);
  EXPECT_EQ(samples.get("migration_unresolved_failures", events), 0);
}

TEST(UnresolvedFailures, GolangMigrateDirtyUntilForcedClean) {
  TestDatabase db;
  db.exec(
      "CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean "
      "NOT NULL)");
  db.grant_select("public.schema_migrations");
  db.exec("INSERT INTO schema_migrations VALUES (4, true)");
  auto session = monitor_session(db);
  auto collector = make_collector("history");
  const std::map<std::string, std::string> table = {{"tool", "golang-migrate"}};
  EXPECT_EQ(collect(*collector, *session).get("migration_unresolved_failures", table), 1);
  db.exec("UPDATE schema_migrations SET version = 3, dirty = false");  // migrate force 3
  EXPECT_EQ(collect(*collector, *session).get("migration_unresolved_failures", table), 0);
}
