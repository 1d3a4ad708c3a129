// The comparison of a source snapshot with history rows, state by state as `flyway info` names
// them: pending, checksum mismatch, missing, future, outdated repeatable, out of order, below
// baseline, Java (unverifiable), and failures a later success, undo or repair resolved.
#include <gtest/gtest.h>

#include "sources/comparison.h"

namespace {

using Strings = std::vector<std::string>;

const mexp::SourceTool& flyway() { return *mexp::find_source_tool("flyway"); }

mexp::SourceFile versioned(const std::string& version, std::optional<std::string> checksum) {
  return {"V" + version + "__m.sql",
          {mexp::SourceKind::versioned, version, version, "m"},
          std::move(checksum),
          "",
          {}};
}

mexp::SourceFile repeatable(const std::string& description, std::string checksum) {
  return {"R__" + description + ".sql",
          {mexp::SourceKind::repeatable, description, "", description},
          std::move(checksum),
          "",
          {}};
}

mexp::AppliedMigration row(long long rank, std::optional<std::string> version,
                           std::optional<std::string> checksum, bool success = true,
                           std::string type = "SQL", std::string description = "m") {
  std::string kind = "apply";
  if (type == "SCHEMA") kind = "marker";
  if (type == "BASELINE") kind = "baseline";
  if (type == "DELETE") kind = "delete";
  if (type.starts_with("UNDO_")) kind = "undo";
  return {kind, std::move(version), std::move(description), type, "", std::move(checksum), success,
          rank};
}

mexp::SourceSnapshot snapshot(std::vector<mexp::SourceFile> files) {
  mexp::SourceSnapshot result;
  result.up = true;
  result.files = std::move(files);
  return result;
}

}  // namespace

TEST(MigrationComparison, PendingDriftMissingAndFutureVersions) {
  const auto sources = snapshot(
      {versioned("1", "10"), versioned("2", "20"), versioned("3", "30"), versioned("10", "100")});
  const std::vector<mexp::AppliedMigration> history = {row(1, "1", "10"), row(2, "2", "21"),
                                                       row(3, "1.5", "15"), row(4, "11", "110")};
  // 1.5 ran after 2 (rank 3 > rank 2): out of order, and no file holds it any more.
  const auto result = mexp::compare_migrations(flyway(), sources, history);
  EXPECT_EQ(result.pending, (Strings{"3", "10"}));
  EXPECT_EQ(result.checksum_mismatch, (Strings{"2"}));
  EXPECT_EQ(result.missing_source, (Strings{"1.5"}));
  EXPECT_EQ(result.future, (Strings{"11"}));
  EXPECT_EQ(result.out_of_order, (Strings{"1.5"}));
  EXPECT_EQ(result.newest_source_version, "10");
  EXPECT_EQ(result.current_version, "11");
  EXPECT_EQ(result.source_files, 4u);
  EXPECT_TRUE(result.unresolved_failures.empty());
}

TEST(MigrationComparison, RepeatablesArePendingOrOutdatedByChecksum) {
  const auto sources =
      snapshot({repeatable("views", "5"), repeatable("grants", "7"), repeatable("new", "9")});
  const std::vector<mexp::AppliedMigration> history = {
      row(1, std::nullopt, "4", true, "SQL", "views"),
      row(2, std::nullopt, "5", true, "SQL", "views"),  // re-run after the change: up to date
      row(3, std::nullopt, "6", true, "SQL", "grants")};
  const auto result = mexp::compare_migrations(flyway(), sources, history);
  EXPECT_EQ(result.pending, (Strings{"new"}));
  EXPECT_EQ(result.outdated_repeatable, (Strings{"grants"}));
  EXPECT_TRUE(result.checksum_mismatch.empty());
}

TEST(MigrationComparison, BaselineJavaUndoAndRepairAreNotReportedAsGaps) {
  const auto sources = snapshot({versioned("1", "1"), versioned("2", "2"), versioned("3", "3")});
  const std::vector<mexp::AppliedMigration> history = {
      row(0, std::nullopt, std::nullopt, true, "SCHEMA"),
      row(1, "2", std::nullopt, true, "BASELINE"),  // 1 and 2 are below the baseline
      row(2, "2.5", std::nullopt, true, "JDBC"),    // a Java migration: no file to show
      row(3, "3", "3"),
      row(4, "3", "3", true, "UNDO_SQL"),  // undone: pending again
      row(5, "2.7", "9"),
      row(6, "2.7", std::nullopt, true, "DELETE")};  // repaired away
  const auto result = mexp::compare_migrations(flyway(), sources, history);
  EXPECT_EQ(result.pending, (Strings{"3"}));
  EXPECT_TRUE(result.missing_source.empty());
  EXPECT_EQ(result.unverifiable, 1u);
  EXPECT_TRUE(result.checksum_mismatch.empty());
}

TEST(MigrationComparison, AFailureStaysOpenUntilALaterSuccessOrRepairOfTheSameMigration) {
  std::vector<mexp::AppliedMigration> history = {row(1, "1", "1"), row(2, "2", "2", false)};
  EXPECT_EQ(mexp::unresolved_failures(flyway(), history), (Strings{"2"}));
  const auto sources = snapshot({versioned("1", "1"), versioned("2", "2")});
  auto result = mexp::compare_migrations(flyway(), sources, history);
  EXPECT_EQ(result.unresolved_failures, (Strings{"2"}));
  EXPECT_TRUE(result.pending.empty()) << "a failed migration is a failure, not pending";
  history.push_back(row(3, "2", "2"));  // fixed and re-run
  EXPECT_TRUE(mexp::unresolved_failures(flyway(), history).empty());
  history.push_back(row(4, "3", "3", false));
  history.push_back(row(5, "3", std::nullopt, true, "DELETE"));  // flyway repair
  EXPECT_TRUE(mexp::unresolved_failures(flyway(), history).empty());
}

TEST(MigrationComparison, ExpectedVersionIsReachedAtOrPastIt) {
  const std::vector<mexp::AppliedMigration> history = {row(1, "1.9", "1"), row(2, "1.10", "2"),
                                                       row(3, "2", "3", false)};
  EXPECT_TRUE(mexp::expected_version_reached(flyway(), history, "1.10"));
  EXPECT_TRUE(mexp::expected_version_reached(flyway(), history, "1.2"));
  EXPECT_FALSE(mexp::expected_version_reached(flyway(), history, "2"));
  EXPECT_FALSE(mexp::expected_version_reached(flyway(), {}, "1"));
}
