// Diesel's source reader: a directory with up.sql is a migration whose version is the name up to
// the first '_' without dashes, as __diesel_schema_migrations records it; versions order as text.
#include <gtest/gtest.h>

#include "sources/source_tool.h"

namespace {

const mexp::SourceTool& tool() {
  const auto* reader = mexp::find_source_tool("diesel");
  if (reader == nullptr) throw std::runtime_error("diesel source tool not registered");
  return *reader;
}

}  // namespace

TEST(DieselNames, UpSqlNamesTheMigrationByItsDirectorysTimestamp) {
  auto parsed = tool().parse("2024-01-05-120000_create_users/up.sql", {});
  ASSERT_TRUE(parsed.migration);
  EXPECT_EQ(parsed.migration->identity, "20240105120000");
  EXPECT_EQ(parsed.migration->version, "20240105120000");
  EXPECT_EQ(parsed.migration->description, "create_users");
  parsed = tool().parse("00000000000000_diesel_initial_setup/up.sql", {});
  ASSERT_TRUE(parsed.migration);
  EXPECT_EQ(parsed.migration->identity, "00000000000000");
  parsed = tool().parse("20240105120000/up.sql", {});
  ASSERT_TRUE(parsed.migration);
  EXPECT_EQ(parsed.migration->identity, "20240105120000");
}

TEST(DieselNames, OtherFilesAreIgnoredAndAnEmptyVersionReported) {
  for (const char* ignored : {"20240105120000_x/down.sql", "20240105120000_x/metadata.toml",
                              "up.sql", "README.md", "a/20240105120000_x/up.sql"}) {
    const auto parsed = tool().parse(ignored, {});
    EXPECT_FALSE(parsed.migration) << ignored;
    EXPECT_TRUE(parsed.malformed.empty()) << ignored;
  }
  const auto bad = tool().parse("_x/up.sql", {});
  EXPECT_FALSE(bad.migration);
  EXPECT_FALSE(bad.malformed.empty());
}

TEST(DieselVersions, OrderAsText) {
  const auto& compare = tool().compare_versions;
  EXPECT_LT(compare("20240105120000", "20240106000000"), 0);
  EXPECT_EQ(compare("1", "1"), 0);
  const mexp::AppliedMigration row{"apply", "20240105120000", "", "", "", std::nullopt, true, 1};
  EXPECT_EQ(tool().identity_of(row), "20240105120000");
}
