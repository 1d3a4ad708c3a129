// Laravel's source reader: `*_*.php` files in the directory itself, named without ".php" as the
// migrations table records them, ordered by name.
#include <gtest/gtest.h>

#include "sources/source_tool.h"

namespace {

const mexp::SourceTool& tool() {
  const auto* reader = mexp::find_source_tool("laravel");
  if (reader == nullptr) throw std::runtime_error("laravel source tool not registered");
  return *reader;
}

}  // namespace

TEST(LaravelNames, PhpFilesWithAnUnderscoreAreMigrations) {
  auto parsed = tool().parse("2014_10_12_000000_create_users_table.php", {});
  ASSERT_TRUE(parsed.migration);
  EXPECT_EQ(parsed.migration->identity, "2014_10_12_000000_create_users_table");
  parsed = tool().parse("add_index.php", {});
  ASSERT_TRUE(parsed.migration);
  EXPECT_EQ(parsed.migration->identity, "add_index");
}

TEST(LaravelNames, OtherFilesAreIgnored) {
  for (const char* ignored : {"Seeder.php", "2014_10_12_x.php.bak", "README.md",
                              "old/2014_10_12_000000_x.php", "2014_10_12_000000_x.sql"}) {
    const auto parsed = tool().parse(ignored, {});
    EXPECT_FALSE(parsed.migration) << ignored;
    EXPECT_TRUE(parsed.malformed.empty()) << ignored;
  }
}

TEST(LaravelVersions, OrderByName) {
  const auto& compare = tool().compare_versions;
  EXPECT_LT(compare("2014_10_12_000000_a", "2019_08_19_000000_a"), 0);
  EXPECT_EQ(compare("2014_10_12_000000_a", "2014_10_12_000000_a"), 0);
  const mexp::AppliedMigration row{"apply", "2014_x", "", "batch 1", "", std::nullopt, true, 1};
  EXPECT_EQ(tool().identity_of(row), "2014_x");
}
