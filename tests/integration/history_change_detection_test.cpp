// The history collector reads a table's rows only when they changed since last poll (a
// fingerprint of the rows' count and row versions): unchanged tables cost one cheap scan, and
// every kind of change still shows at the next poll.
#include <gtest/gtest.h>

#include <regex>

#include "collectors/history_statement.h"
#include "collectors/history_tools.h"
#include "tests/support/flyway_fixture.h"
#include "tests/support/metrics_text.h"
#include "tests/support/test_pg.h"

using namespace mexp::test;

namespace {

const std::map<std::string, std::string> kTable = {
    {"tool", "flyway"}, {"schema", "public"}, {"table", "flyway_schema_history"}};
const std::string kQualified = "public.flyway_schema_history";

void seed(TestDatabase& db, int rows) {
  create_flyway_table(db, "public", "flyway_schema_history");
  for (int rank = 1; rank <= rows; ++rank) {
    const std::string version = std::to_string(rank);
    std::string script = "V";
    script.append(version).append("__step.sql");
    insert_flyway_row(db, kQualified, rank, version, "step", "SQL", script, "2026-01-01 00:00:00",
                      100, true);
  }
}

std::string current_version(const Samples& samples) {
  const auto current = samples.all("migration_current_version_info", kTable);
  if (current.size() == 1) return current[0].labels.at("version");
  std::string count = "<";
  return count.append(std::to_string(current.size())).append(" series>");
}

// How many scans of the history table the statement executed, from EXPLAIN ANALYZE, given last
// poll's fingerprint.
int executed_scans(mexp::PgSession& session, const std::optional<std::string>& fingerprint) {
  const auto* flyway = mexp::find_history_tool("flyway");
  const auto plan = session.query(
      "EXPLAIN (ANALYZE, FORMAT JSON) " + mexp::history_statement(*flyway, kQualified, true),
      {"10", std::nullopt, fingerprint});
  const std::string json(plan.text(0, 0));
  const std::regex scan(
      R"re("Relation Name": "flyway_schema_history"[^}]*?"Actual Loops": ([0-9]+))re");
  int executed = 0;
  for (auto it = std::sregex_iterator(json.begin(), json.end(), scan); it != std::sregex_iterator();
       ++it) {
    if (std::stoi((*it)[1]) > 0) ++executed;
  }
  return executed;
}

std::optional<std::string> fingerprint_now(mexp::PgSession& session) {
  const auto* flyway = mexp::find_history_tool("flyway");
  const auto result = session.query(mexp::history_statement(*flyway, kQualified, true),
                                    {"10", std::nullopt, std::nullopt});
  for (int row = 0; row < result.rows(); ++row) {
    if (result.text(row, 0) == "summary") return result.optional_text(row, 13);
  }
  return std::nullopt;
}

}  // namespace

TEST(HistoryChangeDetection, AnUnchangedTableIsScannedOnceForItsFingerprintOnly) {
  TestDatabase db;
  seed(db, 50);
  auto session = monitor_session(db);
  const auto fingerprint = fingerprint_now(*session);
  ASSERT_TRUE(fingerprint.has_value());
  EXPECT_EQ(executed_scans(*session, fingerprint), 1) << "unchanged: the fingerprint scan only";
  EXPECT_EQ(executed_scans(*session, std::nullopt), 2) << "first poll: fingerprint and rows";
  EXPECT_EQ(executed_scans(*session, "50/0"), 2) << "another fingerprint: rows read again";
  // A row update keeps the count but not the fingerprint.
  db.exec("UPDATE " + kQualified + " SET description = 'renamed' WHERE installed_rank = 7");
  EXPECT_NE(fingerprint_now(*session), fingerprint);
  EXPECT_EQ(executed_scans(*session, fingerprint), 2);
}

// The fingerprint is read with age(), which is relative to the newest transaction id: it must not
// move while other transactions (here: in other tables) take new ids, frozen rows included.
TEST(HistoryChangeDetection, TheFingerprintStandsStillWhileTransactionIdsAdvance) {
  TestDatabase db;
  seed(db, 20);
  db.exec("CREATE TABLE public.busy (n int)");
  auto session = monitor_session(db);
  const auto advance_xids = [&db] {
    for (int i = 0; i < 5; ++i) db.exec("INSERT INTO public.busy VALUES (1)");
  };
  const auto before = fingerprint_now(*session);
  advance_xids();
  EXPECT_EQ(fingerprint_now(*session), before);

  db.exec("VACUUM (FREEZE) " + kQualified);
  const auto frozen = fingerprint_now(*session);
  advance_xids();
  EXPECT_EQ(fingerprint_now(*session), frozen) << "frozen rows have age INT_MAX: counted apart";

  // A change to a frozen table: one row version gets a new xmin, the count stays.
  db.exec("UPDATE " + kQualified + " SET description = 'renamed' WHERE installed_rank = 3");
  const auto updated = fingerprint_now(*session);
  EXPECT_NE(updated, frozen);
  advance_xids();
  EXPECT_EQ(fingerprint_now(*session), updated);
  // Delete and insert in one transaction, same count, partly frozen table.
  db.exec("BEGIN; DELETE FROM " + kQualified + " WHERE installed_rank = 4; UPDATE " + kQualified +
          " SET installed_rank = 4 WHERE installed_rank = 20; COMMIT");
  EXPECT_NE(fingerprint_now(*session), updated);
}

TEST(HistoryChangeDetection, EveryKindOfChangeShowsAtTheNextPoll) {
  TestDatabase db;
  seed(db, 5);
  auto session = monitor_session(db);
  auto collector = make_collector("history");
  auto samples = collect(*collector, *session);
  EXPECT_EQ(samples.get("migration_applied", kTable), 5);
  EXPECT_EQ(current_version(samples), "5");

  // Nothing changed: the same figures from the kept result.
  samples = collect(*collector, *session);
  EXPECT_EQ(samples.get("migration_applied", kTable), 5);
  EXPECT_EQ(samples.get("migration_failed", kTable), 0);
  EXPECT_EQ(current_version(samples), "5");
  EXPECT_EQ(samples.all("migration_info", kTable).size(), 5u);

  // Insert.
  insert_flyway_row(db, kQualified, 6, "6", "step", "SQL", "V6__step.sql", "2026-01-01 00:06:00",
                    100, false);
  samples = collect(*collector, *session);
  EXPECT_EQ(samples.get("migration_failed", kTable), 1);
  EXPECT_EQ(current_version(samples), "5");

  // Update in place, same row count (a repair marking the failed run successful).
  db.exec("UPDATE " + kQualified + " SET success = true WHERE installed_rank = 6");
  samples = collect(*collector, *session);
  EXPECT_EQ(samples.get("migration_failed", kTable), 0);
  EXPECT_EQ(samples.get("migration_applied", kTable), 6);
  EXPECT_EQ(current_version(samples), "6");

  // Delete one row and insert another in one transaction: same count again.
  db.exec("BEGIN; DELETE FROM " + kQualified + " WHERE installed_rank = 6; INSERT INTO " +
          kQualified +
          " (installed_rank, version, description, type, script, installed_by, installed_on, "
          "execution_time, success) VALUES (7, '7', 'other', 'SQL', 'V7__other.sql', 'deployer', "
          "'2026-01-01 00:07:00', 100, true); COMMIT");
  samples = collect(*collector, *session);
  EXPECT_EQ(samples.get("migration_applied", kTable), 6);
  EXPECT_EQ(current_version(samples), "7");
  EXPECT_EQ(samples.all("migration_info", {{"version", "6"}}).size(), 0u);

  // Freezing rewrites no row the collector reads: same figures.
  db.exec("VACUUM (FREEZE) " + kQualified);
  samples = collect(*collector, *session);
  EXPECT_EQ(samples.get("migration_applied", kTable), 6);
  EXPECT_EQ(current_version(samples), "7");

  // A version deleted without an undo row is an unrecorded rollback, seen through the cache too.
  db.exec("DELETE FROM " + kQualified + " WHERE installed_rank = 7");
  samples = collect(*collector, *session);
  EXPECT_EQ(current_version(samples), "5");
  EXPECT_EQ(samples.get("migration_rollbacks", kTable), 1);
  samples = collect(*collector, *session);
  EXPECT_EQ(samples.get("migration_rollbacks", kTable), 1) << "counted once, not per poll";
}

TEST(HistoryChangeDetection, AConfiguredViewIsReadEveryPoll) {
  TestDatabase db;
  seed(db, 3);
  db.exec("CREATE VIEW public.history_view AS SELECT * FROM " + kQualified);
  db.grant_select("public.history_view");
  auto session = monitor_session(db);
  auto collector = make_collector("history", R"(auto_detect = false
tables = [{ tool = "flyway", schema = "public", table = "history_view" }])");
  const std::map<std::string, std::string> view = {
      {"tool", "flyway"}, {"schema", "public"}, {"table", "history_view"}};
  EXPECT_EQ(collect(*collector, *session).get("migration_applied", view), 3);
  insert_flyway_row(db, kQualified, 4, "4", "step", "SQL", "V4__step.sql", "2026-01-01 00:04:00",
                    100, true);
  EXPECT_EQ(collect(*collector, *session).get("migration_applied", view), 4);
}

// Which tables to read is looked up in the catalogs only when they changed: the polls between
// check the tables' locks in pg_locks alone, and still skip a locked table and find a new one.
TEST(HistoryChangeDetection, TablesAreLookedUpAgainOnlyWhenTheCatalogsChange) {
  TestDatabase db;
  seed(db, 5);
  db.exec("SELECT pg_stat_force_next_flush()");
  auto session = monitor_session(db);
  auto collector = make_collector("history");
  const auto reads = [](const Samples& samples) {
    return samples.get("migration_exporter_history_catalog_reads_total").value_or(-1);
  };
  auto samples = collect(*collector, *session);
  EXPECT_EQ(reads(samples), 1);
  EXPECT_EQ(samples.get("migration_applied", kTable), 5);

  // A row, no catalog change: read, and the tables not looked up again.
  insert_flyway_row(db, kQualified, 6, "6", "step", "SQL", "V6__step.sql", "2026-01-01 00:06:00",
                    100, true);
  samples = collect(*collector, *session);
  EXPECT_EQ(reads(samples), 1);
  EXPECT_EQ(samples.get("migration_applied", kTable), 6);

  // A migration holds ACCESS EXCLUSIVE on the history table: skipped, its values served.
  SqlSession migration(db.name());
  migration.exec("BEGIN; LOCK TABLE " + kQualified + " IN ACCESS EXCLUSIVE MODE");
  samples = collect(*collector, *session);
  EXPECT_EQ(reads(samples), 1);
  EXPECT_EQ(samples.get("migration_exporter_history_tables_skipped_locked"), 1);
  EXPECT_EQ(samples.get("migration_applied", kTable), 6);
  migration.exec("COMMIT");
  samples = collect(*collector, *session);
  EXPECT_EQ(samples.get("migration_exporter_history_tables_skipped_locked"), 0);

  // A second history table: the catalogs changed, both are read.
  db.exec("CREATE SCHEMA other");
  create_flyway_table(db, "other", "flyway_schema_history");
  db.exec("SELECT pg_stat_force_next_flush()");
  samples = collect(*collector, *session);
  EXPECT_EQ(reads(samples), 2);
  EXPECT_EQ(samples.get("migration_applied", kTable), 6);
  EXPECT_EQ(
      samples.get("migration_applied",
                  {{"tool", "flyway"}, {"schema", "other"}, {"table", "flyway_schema_history"}}),
      0);
}
