// golang-migrate's source reader: the file names golang-migrate reads (and the ones it silently
// skips), versions as numbers, and its one-row history: every file at or below the recorded
// version applied, a dirty version failed with the ones below it applied.
#include <gtest/gtest.h>

#include "sources/comparison.h"

namespace {

using Strings = std::vector<std::string>;

const mexp::SourceTool& golang_migrate() {
  const auto* tool = mexp::find_source_tool("golang-migrate");
  if (tool == nullptr) throw std::runtime_error("golang-migrate source tool not registered");
  return *tool;
}

mexp::SourceName parse(std::string_view path) { return golang_migrate().parse(path, {}); }

mexp::SourceSnapshot files(std::initializer_list<const char*> names) {
  mexp::SourceSnapshot snapshot;
  snapshot.up = true;
  for (const char* name : names)
    snapshot.files.push_back({name, *parse(name).migration, {}, "", {}});
  return snapshot;
}

// The rows applied_sql makes of schema_migrations(version, dirty).
std::vector<mexp::AppliedMigration> history(long long version, bool dirty) {
  std::vector<mexp::AppliedMigration> rows = {
      {dirty ? "apply" : "baseline", std::to_string(version), "", dirty ? "dirty" : "clean", "",
       std::nullopt, !dirty, 2}};
  if (dirty && version >= 1)
    rows.push_back(
        {"baseline", std::to_string(version - 1), "", "below dirty", "", std::nullopt, true, 1});
  return rows;
}

}  // namespace

TEST(GolangMigrateNames, UpFilesAreMigrationsAndDownFilesTheirUndo) {
  auto parsed = parse("000007_create_users.up.sql");
  ASSERT_TRUE(parsed.migration);
  EXPECT_EQ(parsed.migration->kind, mexp::SourceKind::versioned);
  EXPECT_EQ(parsed.migration->identity, "7") << "ParseUint: leading zeros name the same version";
  EXPECT_EQ(parsed.migration->description, "create_users");
  parsed = parse("20240105120000_add_index.down.sql");
  ASSERT_TRUE(parsed.migration);
  EXPECT_EQ(parsed.migration->kind, mexp::SourceKind::undo);
  EXPECT_EQ(parsed.migration->identity, "20240105120000");
  // Any extension (golang-migrate serves every driver), an empty title, the last direction wins.
  EXPECT_TRUE(parse("3_seed.up.json").migration);
  EXPECT_EQ(parse("4_.up.sql").migration->description, "");
  parsed = parse("5_a.up.b.down.sql");
  ASSERT_TRUE(parsed.migration);
  EXPECT_EQ(parsed.migration->kind, mexp::SourceKind::undo);
  EXPECT_EQ(parsed.migration->description, "a.up.b");
}

TEST(GolangMigrateNames, NamesOutsideThePatternAreSkippedAsTheToolSkipsThem) {
  for (const char* ignored :
       {"README.md", "1_init.sql", "1.up.sql", "v1_init.up.sql", "1a_init.up.sql", "_1.up.sql",
        "1_init.upsql", "sub/2_nested.up.sql", "99999999999999999999_too_big.up.sql"}) {
    const auto parsed = parse(ignored);
    EXPECT_FALSE(parsed.migration) << ignored;
    EXPECT_TRUE(parsed.malformed.empty()) << ignored;
  }
  EXPECT_TRUE(parse("18446744073709551615_max.up.sql").migration) << "the largest uint64 fits";
}

TEST(GolangMigrateVersions, CompareAsNumbers) {
  const auto& compare = golang_migrate().compare_versions;
  EXPECT_LT(compare("9", "10"), 0);
  EXPECT_LT(compare("20240105120000", "20240105120001"), 0);
  EXPECT_EQ(compare("7", "7"), 0);
}

TEST(GolangMigrateHistory, EveryFileUpToTheCurrentVersionIsApplied) {
  const auto sources = files(
      {"1_a.up.sql", "1_a.down.sql", "2_b.up.sql", "3_c.up.sql", "4_d.up.sql", "4_d.down.sql"});
  const auto result = mexp::compare_migrations(golang_migrate(), sources, history(2, false));
  EXPECT_EQ(result.source_files, 4u) << "down files are not migrations";
  EXPECT_EQ(result.pending, (Strings{"3", "4"}));
  EXPECT_TRUE(result.missing_source.empty());
  EXPECT_TRUE(result.unresolved_failures.empty());
  EXPECT_EQ(result.current_version, "2");
  EXPECT_TRUE(mexp::expected_version_reached(golang_migrate(), history(2, false), "1"));
  EXPECT_FALSE(mexp::expected_version_reached(golang_migrate(), history(2, false), "3"));
}

TEST(GolangMigrateHistory, TheRecordedVersionWithoutAFileIsMissingOrFuture) {
  const auto sources = files({"1_a.up.sql", "3_c.up.sql", "5_e.up.sql"});
  auto result = mexp::compare_migrations(golang_migrate(), sources, history(4, false));
  EXPECT_EQ(result.missing_source, (Strings{"4"})) << "migrate up would stop: no file for 4";
  EXPECT_EQ(result.pending, (Strings{"5"}));
  result = mexp::compare_migrations(golang_migrate(), sources, history(9, false));
  EXPECT_EQ(result.future, (Strings{"9"})) << "the database is ahead of these files";
  EXPECT_TRUE(result.pending.empty());
  result = mexp::compare_migrations(golang_migrate(), sources, {});
  EXPECT_EQ(result.pending, (Strings{"1", "3", "5"})) << "an empty table: nothing applied";
}

TEST(GolangMigrateHistory, ADirtyVersionIsFailedAndTheOnesBelowItApplied) {
  const auto sources = files({"1_a.up.sql", "2_b.up.sql", "3_c.up.sql", "4_d.up.sql"});
  auto result = mexp::compare_migrations(golang_migrate(), sources, history(3, true));
  EXPECT_EQ(result.unresolved_failures, (Strings{"3"}));
  EXPECT_EQ(result.pending, (Strings{"4"})) << "failed is not pending, 1 and 2 are applied";
  EXPECT_TRUE(result.missing_source.empty()) << "the synthetic 2 needs no file";
  EXPECT_EQ(result.current_version, "2");
  EXPECT_FALSE(mexp::expected_version_reached(golang_migrate(), history(3, true), "3"));
  // A failed down of the first version leaves -1, dirty: nothing is known to be applied.
  result = mexp::compare_migrations(golang_migrate(), sources, history(-1, true));
  EXPECT_EQ(result.unresolved_failures, (Strings{"-1"}));
  EXPECT_EQ(result.pending, (Strings{"1", "2", "3", "4"}));
  // `migrate force 3` clears dirty: 3 is applied.
  result = mexp::compare_migrations(golang_migrate(), sources, history(3, false));
  EXPECT_TRUE(result.unresolved_failures.empty());
  EXPECT_EQ(result.pending, (Strings{"4"}));
}
