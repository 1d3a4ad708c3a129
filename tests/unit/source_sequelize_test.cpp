// Sequelize's source reader: files sequelize-cli's pattern matches, in the directory itself, named
// with their extension as "SequelizeMeta" records them, ordered by name.
#include <gtest/gtest.h>

#include "sources/source_tool.h"

namespace {

const mexp::SourceTool& tool() {
  const auto* reader = mexp::find_source_tool("sequelize");
  if (reader == nullptr) throw std::runtime_error("sequelize source tool not registered");
  return *reader;
}

}  // namespace

TEST(SequelizeNames, ScriptsAreMigrationsNamedWithTheirExtension) {
  for (const char* file : {"20240105120000-create-user.js", "20240105120001-x.cjs",
                           "20240105120002-x.ts", "20240105120003-x.cts", "no-timestamp.js"}) {
    const auto parsed = tool().parse(file, {});
    ASSERT_TRUE(parsed.migration) << file;
    EXPECT_EQ(parsed.migration->identity, file);
  }
}

TEST(SequelizeNames, OtherFilesAreIgnored) {
  for (const char* ignored : {"index.d.ts", "README.md", "20240105120000-x.mjs",
                              "20240105120000-x.sql", "helpers/20240105120000-x.js"}) {
    const auto parsed = tool().parse(ignored, {});
    EXPECT_FALSE(parsed.migration) << ignored;
    EXPECT_TRUE(parsed.malformed.empty()) << ignored;
  }
}

TEST(SequelizeVersions, OrderByName) {
  const auto& compare = tool().compare_versions;
  EXPECT_LT(compare("20240105120000-a.js", "20240106000000-a.js"), 0);
  EXPECT_EQ(compare("1-a.js", "1-a.js"), 0);
  const mexp::AppliedMigration row{"apply", "1-a.js", "", "", "", std::nullopt, true, 1};
  EXPECT_EQ(tool().identity_of(row), "1-a.js");
}
