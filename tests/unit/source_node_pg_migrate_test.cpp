// node-pg-migrate's source reader: every file in the directory is a migration named without its
// extension, a file without a numeric prefix is reported, and files order by that prefix (a
// 17-digit UTC prefix as its milliseconds, from `date -u -d … +%s%3N`) as node-pg-migrate does.
#include <gtest/gtest.h>

#include "sources/source_tool.h"

namespace {

const mexp::SourceTool& tool() {
  const auto* reader = mexp::find_source_tool("node-pg-migrate");
  if (reader == nullptr) throw std::runtime_error("node-pg-migrate source tool not registered");
  return *reader;
}

}  // namespace

TEST(NodePgMigrateNames, AFileIsAMigrationNamedWithoutItsExtension) {
  auto parsed = tool().parse("1700000000000_create-users.js", {});
  ASSERT_TRUE(parsed.migration);
  EXPECT_EQ(parsed.migration->identity, "1700000000000_create-users");
  EXPECT_EQ(parsed.migration->description, "create-users");
  parsed = tool().parse("20240105120000000_add.index.sql", {});
  ASSERT_TRUE(parsed.migration);
  EXPECT_EQ(parsed.migration->identity, "20240105120000000_add.index");
  parsed = tool().parse("0001_init", {});
  ASSERT_TRUE(parsed.migration);
  EXPECT_EQ(parsed.migration->identity, "0001_init");
}

TEST(NodePgMigrateNames, SubdirectoriesAreIgnoredAndUnorderableNamesReported) {
  const auto nested = tool().parse("helpers/1_util.js", {});
  EXPECT_FALSE(nested.migration);
  EXPECT_TRUE(nested.malformed.empty());
  for (const char* bad : {"README.md", "create_users.js", "x1_y.ts"}) {
    const auto parsed = tool().parse(bad, {});
    EXPECT_FALSE(parsed.migration) << bad;
    EXPECT_FALSE(parsed.malformed.empty()) << bad;
  }
}

TEST(NodePgMigrateVersions, OrderByNumericPrefixThenName) {
  const auto& compare = tool().compare_versions;
  EXPECT_LT(compare("9_a", "10_a"), 0);
  EXPECT_LT(compare("1_a", "1_b"), 0);
  EXPECT_EQ(compare("1_a", "1_a"), 0);
  // 2020-05-13T07:07:24.505Z is 1589353644505 ms: a UTC prefix sorts among timestamp prefixes.
  EXPECT_EQ(compare("20200513070724505_a", "1589353644505_a") > 0, true);  // same number, name
  EXPECT_LT(compare("20200513070724505_a", "1589353644506_a"), 0);
  EXPECT_GT(compare("20200513070724505_a", "1589353644504_z"), 0);
}

TEST(NodePgMigrateHistory, RowsAreComparedByName) {
  const mexp::AppliedMigration row{"apply", "1_init", "", "", "", std::nullopt, true, 1};
  EXPECT_EQ(tool().identity_of(row), "1_init");
}
