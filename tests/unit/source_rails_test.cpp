// Rails' source reader: db/migrate/{version}_{name}.rb (subdirectories and scopes included), the
// names Rails raises IllegalMigrationNameError for, and versions compared as integers.
#include <gtest/gtest.h>

#include "sources/comparison.h"

namespace {

using Strings = std::vector<std::string>;

const mexp::SourceTool& rails() {
  const auto* tool = mexp::find_source_tool("rails");
  if (tool == nullptr) throw std::runtime_error("rails source tool not registered");
  return *tool;
}

mexp::SourceName parse(std::string_view path) { return rails().parse(path, {}); }

}  // namespace

TEST(RailsNames, TimestampedRubyFilesAreMigrations) {
  auto parsed = parse("20240105120000_create_users.rb");
  ASSERT_TRUE(parsed.migration);
  EXPECT_EQ(parsed.migration->identity, "20240105120000");
  EXPECT_EQ(parsed.migration->description, "create_users");
  // Rails globs **/ below the path; an engine's scope follows a '.'; to_i drops leading zeros.
  parsed = parse("archive/20230101000000_add_index.blog.rb");
  ASSERT_TRUE(parsed.migration);
  EXPECT_EQ(parsed.migration->identity, "20230101000000");
  EXPECT_EQ(parsed.migration->description, "add_index");
  EXPECT_EQ(parse("001_init.rb").migration->identity, "1");
}

TEST(RailsNames, NamesRailsRejectsAreMalformedAndOthersIgnored) {
  for (const char* bad :
       {"20240105120000_CreateUsers.rb", "2024a_init.rb", "1_add-index.rb", "1_x.a.b.rb"}) {
    const auto parsed = parse(bad);
    EXPECT_FALSE(parsed.migration) << bad;
    EXPECT_FALSE(parsed.malformed.empty()) << bad;
  }
  for (const char* ignored :
       {"schema.rb", "20240105120000.rb", "seeds.rb", "1_init.sql", "create_users_20240105.rb"}) {
    const auto parsed = parse(ignored);
    EXPECT_FALSE(parsed.migration) << ignored;
    EXPECT_TRUE(parsed.malformed.empty()) << ignored;
  }
}

TEST(RailsHistory, VersionsAreIntegersOnBothSides) {
  mexp::SourceSnapshot sources;
  sources.up = true;
  for (const char* name : {"001_a.rb", "002_b.rb", "20240105120000_c.rb"})
    sources.files.push_back({name, *parse(name).migration, {}, "", {}});
  const std::vector<mexp::AppliedMigration> history = {
      {"apply", "0001", "", "", "", std::nullopt, true, 1},
      {"apply", "20230101000000", "", "", "", std::nullopt, true, 2}};
  const auto result = mexp::compare_migrations(rails(), sources, history);
  EXPECT_EQ(result.pending, (Strings{"2", "20240105120000"}));
  EXPECT_EQ(result.missing_source, (Strings{"20230101000000"}));
  EXPECT_LT(rails().compare_versions("2", "20240105120000"), 0);
}
