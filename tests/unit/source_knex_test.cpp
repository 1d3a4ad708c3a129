// Knex's source reader: every file of the migrations directory with one of Knex's default load
// extensions is a migration named by its file name; names are ordered as text, as Knex sorts them.
#include <gtest/gtest.h>

#include "sources/comparison.h"

namespace {

using Strings = std::vector<std::string>;

const mexp::SourceTool& knex() {
  const auto* tool = mexp::find_source_tool("knex");
  if (tool == nullptr) throw std::runtime_error("knex source tool not registered");
  return *tool;
}

mexp::SourceName parse(std::string_view path) { return knex().parse(path, {}); }

}  // namespace

TEST(KnexNames, FilesWithALoadExtensionAreMigrationsNamedByFileName) {
  for (const char* name : {"20240105120000_create_users.js", "20240105120001_orders.ts",
                           "002_legacy.cjs", "init.coffee", "x.d.ts"}) {
    const auto parsed = parse(name);
    ASSERT_TRUE(parsed.migration) << name;
    EXPECT_EQ(parsed.migration->identity, name);
  }
  EXPECT_EQ(parse("20240105120000_create_users.js").migration->description,
            "20240105120000_create_users");
}

TEST(KnexNames, OtherFilesAreNotMigrationsAndNoNameIsMalformed) {
  for (const char* ignored : {"README.md", "1_init.sql", "1_init.mjs", "1_init.js.map", ".js",
                              "noextension", "sub/1_nested.js"}) {
    const auto parsed = parse(ignored);
    EXPECT_FALSE(parsed.migration) << ignored;
    EXPECT_TRUE(parsed.malformed.empty()) << ignored;
  }
}

TEST(KnexVersions, NamesOrderAsText) {
  const auto& compare = knex().compare_versions;
  EXPECT_LT(compare("20240105120000_a.js", "20240105120001_a.js"), 0);
  EXPECT_GT(compare("9_a.js", "10_a.js"), 0) << "Knex sorts file names, not numbers";
}

TEST(KnexHistory, RowsAreMatchedByFileName) {
  mexp::SourceSnapshot sources;
  sources.up = true;
  for (const char* name : {"20240101_a.js", "20240103_c.js"})
    sources.files.push_back({name, *parse(name).migration, {}, "", {}});
  const std::vector<mexp::AppliedMigration> history = {
      {"apply", "20240101_a.js", "", "batch 1", "", std::nullopt, true, 1},
      {"apply", "20240102_b.js", "", "batch 1", "", std::nullopt, true, 2}};
  const auto result = mexp::compare_migrations(knex(), sources, history);
  EXPECT_EQ(result.pending, (Strings{"20240103_c.js"}));
  EXPECT_EQ(result.missing_source, (Strings{"20240102_b.js"}));
  EXPECT_EQ(result.newest_source_version, "20240103_c.js");
}
