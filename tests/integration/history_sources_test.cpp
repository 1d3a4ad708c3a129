// The history collector with Flyway sources paired, against the real server: pending, drift,
// missing and future migrations and their names, a source that cannot be read (history series
// unaffected), the expected version, auto-pairing, and failures that a repair or a re-run resolves.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "sources/checksums.h"
#include "tests/support/flyway_fixture.h"
#include "tests/support/metrics_text.h"
#include "tests/support/test_pg.h"

using namespace mexp::test;
namespace fs = std::filesystem;

namespace {

const std::map<std::string, std::string> kTable = {
    {"tool", "flyway"}, {"schema", "public"}, {"table", "flyway_schema_history"}};

class FlywaySources : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/me_flyway_sources_XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    create_flyway_table(db_, "public", "flyway_schema_history");
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& name, const std::string& content) {
    std::ofstream(fs::path(dir_) / name, std::ios::binary) << content;
  }
  // A successful row whose checksum is Flyway's checksum of `content`.
  void applied(int rank, const std::string& version, const std::string& script,
               const std::string& content, bool success = true, const std::string& type = "SQL") {
    insert_flyway_row(db_, "public.flyway_schema_history", rank, version, "m", type, script,
                      "2026-01-01 00:00:00", 10, success);
    db_.exec("UPDATE public.flyway_schema_history SET checksum = " +
             std::to_string(mexp::flyway_checksum(content)) +
             " WHERE installed_rank = " + std::to_string(rank));
  }
  std::string options(const std::string& extra = "") {
    return "sources = [{ tool = \"flyway\", path = \"" + dir_ + "\"" + extra + " }]";
  }
  std::set<std::string> names(const Samples& samples, const std::string& state) {
    std::set<std::string> result;
    for (const auto& sample : samples.all("migration_source_info", {{"state", state}}))
      result.insert(sample.labels.at("migration"));
    return result;
  }

  TestDatabase db_;
  std::string dir_;
};

}  // namespace

TEST_F(FlywaySources, PendingDriftMissingAndFutureAreCountedAndNamed) {
  write("V1__init.sql", "CREATE TABLE a (id int);\n");
  write("V2__edited.sql", "CREATE TABLE b (id bigint);\n");  // applied as "id int"
  write("V3__pending.sql", "CREATE TABLE c (id int);\n");
  write("V4__pending_too.sql", "CREATE TABLE d (id int);\n");
  write("V5_bad_name.sql", "SELECT 1;\n");
  applied(1, "1", "V1__init.sql", "CREATE TABLE a (id int);\r\n");  // CRLF when applied: equal
  applied(2, "2", "V2__edited.sql", "CREATE TABLE b (id int);\n");
  applied(3, "2.5", "V2_5__deleted.sql", "SELECT 1;\n");
  applied(4, "9", "V9__from_newer_app.sql", "SELECT 9;\n");
  auto session = monitor_session(db_);
  const auto samples = collect(*make_collector("history", options()), *session);

  EXPECT_EQ(samples.get("migration_history_up", kTable), 1);
  EXPECT_EQ(samples.get("migration_source_up", kTable), 1);
  EXPECT_EQ(samples.get("migration_source_files", kTable), 4);
  EXPECT_EQ(samples.get("migration_source_problem_files", kTable), 1);  // V5_bad_name.sql
  EXPECT_EQ(samples.get("migration_pending", kTable), 2);
  EXPECT_EQ(samples.get("migration_checksum_mismatch", kTable), 1);
  EXPECT_EQ(samples.get("migration_missing_source", kTable), 1);
  EXPECT_EQ(samples.get("migration_future", kTable), 1);
  EXPECT_EQ(samples.get("migration_out_of_order", kTable), 0);
  EXPECT_EQ(names(samples, "pending"), (std::set<std::string>{"3", "4"}));
  EXPECT_EQ(names(samples, "checksum_mismatch"), (std::set<std::string>{"2"}));
  EXPECT_EQ(names(samples, "missing_source"), (std::set<std::string>{"2.5"}));
  auto newest = samples.all("migration_source_newest_version_info", kTable);
  ASSERT_EQ(newest.size(), 1u);
  EXPECT_EQ(newest[0].labels["version"], "4");
  EXPECT_EQ(samples.get("migration_source_info_dropped", kTable), 0);

  // The cap keeps the most urgent names: the drifted one before the pending ones.
  const auto capped =
      collect(*make_collector("history", options() + "\nsource_info_limit = 1"), *session);
  EXPECT_EQ(names(capped, "checksum_mismatch"), (std::set<std::string>{"2"}));
  EXPECT_EQ(capped.all("migration_source_info", kTable).size(), 1u);
  EXPECT_EQ(capped.get("migration_source_info_dropped", kTable), 3);
}

TEST_F(FlywaySources, AFailedTransactionalMigrationLeavesNoRowAndShowsAsPending) {
  write("V1__init.sql", "CREATE TABLE a (id int);\n");
  applied(1, "1", "V1__init.sql", "CREATE TABLE a (id int);\n");
  auto session = monitor_session(db_);
  auto collector = make_collector("history", options());
  EXPECT_EQ(collect(*collector, *session).get("migration_pending", kTable), 0);
  // The deploy ships V2, Flyway's transaction fails and rolls back its row with it.
  write("V2__fails.sql", "ALTER TABLE missing ADD COLUMN x int;\n");
  auto samples = collect(*collector, *session);
  EXPECT_EQ(samples.get("migration_pending", kTable), 1);
  EXPECT_EQ(samples.get("migration_failed", kTable), 0) << "no row, so no recorded failure";
  // Fixed and redeployed: applied, nothing pending.
  applied(2, "2", "V2__fails.sql", "ALTER TABLE missing ADD COLUMN x int;\n");
  samples = collect(*collector, *session);
  EXPECT_EQ(samples.get("migration_pending", kTable), 0);
}

TEST_F(FlywaySources, AnUnreadableSourceIsDownAndTheHistoryIsUnaffected) {
  applied(1, "1", "V1__init.sql", "SELECT 1;\n");
  auto session = monitor_session(db_);
  const std::string absent = "sources = [{ tool = \"flyway\", path = \"" + dir_ + "/absent\" }]";
  const auto samples = collect(*make_collector("history", absent), *session);
  EXPECT_EQ(samples.get("migration_source_up", kTable), 0);
  EXPECT_FALSE(samples.get("migration_pending", kTable)) << "no comparison from a partial view";
  EXPECT_FALSE(samples.get("migration_missing_source", kTable));
  EXPECT_EQ(samples.get("migration_history_up", kTable), 1);
  EXPECT_EQ(samples.get("migration_applied", kTable), 1);
}

TEST_F(FlywaySources, TheExpectedVersionIsReachedOnceApplied) {
  applied(1, "1.9", "V1_9__a.sql", "SELECT 1;\n");
  auto session = monitor_session(db_);
  auto collector =
      make_collector("history", "sources = [{ tool = \"flyway\", expected_version = \"1.10\" }]");
  const std::map<std::string, std::string> expected = {{"tool", "flyway"},
                                                       {"expected_version", "1.10"}};
  EXPECT_EQ(collect(*collector, *session).get("migration_expected_version_reached", expected), 0);
  applied(2, "1.10", "V1_10__b.sql", "SELECT 2;\n");
  EXPECT_EQ(collect(*collector, *session).get("migration_expected_version_reached", expected), 1);
  ::setenv("ME_TEST_EXPECTED_VERSION", "2", 1);
  auto from_env = make_collector(
      "history",
      "sources = [{ tool = \"flyway\", expected_version_env = \"ME_TEST_EXPECTED_VERSION\" }]");
  EXPECT_EQ(collect(*from_env, *session)
                .get("migration_expected_version_reached", {{"expected_version", "2"}}),
            0);
}

TEST_F(FlywaySources, AutoPairingNeedsASingleTableOfTheTool) {
  write("V1__init.sql", "SELECT 1;\n");
  applied(1, "1", "V1__init.sql", "SELECT 1;\n");
  auto session = monitor_session(db_);
  EXPECT_EQ(
      collect(*make_collector("history", options()), *session).get("migration_source_up", kTable),
      1);
  create_flyway_table(db_, "other", "flyway_schema_history");
  const auto samples = collect(*make_collector("history", options()), *session);
  EXPECT_EQ(samples.get("migration_source_up", kTable), 0) << "ambiguous: which table is paired?";
  const auto named =
      collect(*make_collector("history", options(", schema = \"public\"")), *session);
  EXPECT_EQ(named.get("migration_source_up", kTable), 1);
  EXPECT_FALSE(named.get("migration_source_up", {{"schema", "other"}}));
}

TEST_F(FlywaySources, AFailureCountsUntilRepairedOrRerun) {
  write("V1__init.sql", "SELECT 1;\n");
  applied(1, "1", "V1__init.sql", "SELECT 1;\n", false);
  auto session = monitor_session(db_);
  auto collector = make_collector("history", options());
  auto samples = collect(*collector, *session);
  EXPECT_EQ(samples.get("migration_unresolved_failures", kTable), 1);
  EXPECT_EQ(samples.get("migration_pending", kTable), 0) << "failed, not pending";
  EXPECT_EQ(samples.all("migration_source_info", {{"state", "failed"}}).size(), 1u);
  // flyway repair removes the failed row on PostgreSQL; then the migration is pending again.
  db_.exec("DELETE FROM public.flyway_schema_history WHERE installed_rank = 1");
  samples = collect(*collector, *session);
  EXPECT_EQ(samples.get("migration_unresolved_failures", kTable), 0);
  EXPECT_EQ(samples.get("migration_pending", kTable), 1);
  applied(2, "1", "V1__init.sql", "SELECT 1;\n", false);
  applied(3, "1", "V1__init.sql", "SELECT 1;\n");  // fixed and re-run
  samples = collect(*collector, *session);
  EXPECT_EQ(samples.get("migration_failed", kTable), 1) << "the recorded failure stays recorded";
  EXPECT_EQ(samples.get("migration_unresolved_failures", kTable), 0);
}
