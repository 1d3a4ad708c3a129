// goose's source reader: {version}_{name}.sql and .go files, a .sql name goose cannot parse is
// malformed (goose refuses the directory) while such a .go file is a helper, and the latest
// goose_db_version row of a version decides whether it is applied.
#include <gtest/gtest.h>

#include "sources/comparison.h"

namespace {

using Strings = std::vector<std::string>;

const mexp::SourceTool& goose() {
  const auto* tool = mexp::find_source_tool("goose");
  if (tool == nullptr) throw std::runtime_error("goose source tool not registered");
  return *tool;
}

mexp::SourceName parse(std::string_view path) { return goose().parse(path, {}); }

// A goose_db_version row as applied_sql reads it.
mexp::AppliedMigration row(long long id, long long version, bool is_applied) {
  return {version == 0 ? "marker" : (is_applied ? "apply" : "undo"),
          std::to_string(version),
          "",
          is_applied ? "up" : "down",
          "",
          std::nullopt,
          true,
          id};
}

}  // namespace

TEST(GooseNames, SqlAndGoFilesWithANumericPrefixAreMigrations) {
  auto parsed = parse("00002_add_orders.sql");
  ASSERT_TRUE(parsed.migration);
  EXPECT_EQ(parsed.migration->identity, "2") << "version_id is the int64";
  EXPECT_EQ(parsed.migration->description, "add_orders");
  parsed = parse("20240105120000_backfill.go");
  ASSERT_TRUE(parsed.migration);
  EXPECT_EQ(parsed.migration->identity, "20240105120000");
  EXPECT_EQ(parsed.migration->description, "backfill");
}

TEST(GooseNames, BadSqlNamesAreMalformedAndOtherFilesIgnored) {
  for (const char* bad : {"init.sql", "v1_init.sql", "0_zero.sql", "-3_negative.sql",
                          "99999999999999999999_too_big.sql", "_init.sql"}) {
    const auto parsed = parse(bad);
    EXPECT_FALSE(parsed.migration) << bad;
    EXPECT_FALSE(parsed.malformed.empty()) << bad;
  }
  for (const char* ignored :
       {"helpers.go", "1_init_test.go", "README.md", "1_init.sql.orig", "sub/1_nested.sql"}) {
    const auto parsed = parse(ignored);
    EXPECT_FALSE(parsed.migration) << ignored;
    EXPECT_TRUE(parsed.malformed.empty()) << ignored;
  }
}

TEST(GooseVersions, CompareAsNumbers) {
  EXPECT_LT(goose().compare_versions("9", "10"), 0);
  EXPECT_GT(goose().compare_versions("20240105120000", "3"), 0);
}

TEST(GooseHistory, TheLatestRowOfAVersionDecides) {
  mexp::SourceSnapshot sources;
  sources.up = true;
  for (const char* name : {"1_a.sql", "2_b.sql", "3_c.go"})
    sources.files.push_back({name, *parse(name).migration, {}, "", {}});
  // Table creation's version 0, 1 up, 2 up then (old goose) down, 4 up with no file.
  const std::vector<mexp::AppliedMigration> history = {
      row(1, 0, true), row(2, 1, true), row(3, 2, true), row(4, 2, false), row(5, 4, true)};
  const auto result = mexp::compare_migrations(goose(), sources, history);
  EXPECT_EQ(result.pending, (Strings{"2", "3"}));
  EXPECT_EQ(result.future, (Strings{"4"}));
  EXPECT_TRUE(result.missing_source.empty()) << "the version 0 marker needs no file";
  EXPECT_EQ(result.current_version, "4");
}
