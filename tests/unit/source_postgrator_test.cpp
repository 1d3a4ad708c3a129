// Postgrator's source reader: `<version>.<do|undo>.<name>.sql` resolved as Postgrator 8 resolves
// it, versions ordered as numbers, and the MD5 checksum of the file as is (values from `md5sum`).
#include <gtest/gtest.h>

#include <string>

#include "sources/checksums.h"
#include "sources/source_tool.h"

namespace {

const mexp::SourceTool& postgrator() {
  const auto* tool = mexp::find_source_tool("postgrator");
  if (tool == nullptr) throw std::runtime_error("postgrator source tool not registered");
  return *tool;
}

}  // namespace

TEST(PostgratorNames, DoFilesAreMigrationsAndUndoFilesTheirReverts) {
  auto parsed = postgrator().parse("001.do.create_users.sql", {});
  ASSERT_TRUE(parsed.migration);
  EXPECT_EQ(parsed.migration->kind, mexp::SourceKind::versioned);
  EXPECT_EQ(parsed.migration->identity, "1");
  EXPECT_EQ(parsed.migration->version, "1");
  EXPECT_EQ(parsed.migration->description, "create_users");
  parsed = postgrator().parse("sub/002.undo.create_orders.sql", {});
  ASSERT_TRUE(parsed.migration);
  EXPECT_EQ(parsed.migration->kind, mexp::SourceKind::undo);
  EXPECT_EQ(parsed.migration->identity, "2");
  // The name is optional, and only the third part counts as the name.
  parsed = postgrator().parse("003.do.sql", {});
  ASSERT_TRUE(parsed.migration);
  EXPECT_EQ(parsed.migration->description, "");
  parsed = postgrator().parse("4.do.add.index.sql", {});
  ASSERT_TRUE(parsed.migration);
  EXPECT_EQ(parsed.migration->description, "add");
  for (const char* js : {"005.do.seed.js", "006.do.x.mjs", "007.do.x.cjs"}) {
    parsed = postgrator().parse(js, {});
    ASSERT_TRUE(parsed.migration) << js;
    EXPECT_TRUE(postgrator().unchecksummed(js)) << js;
  }
  EXPECT_FALSE(postgrator().unchecksummed("001.do.create_users.sql"));
}

TEST(PostgratorNames, OtherFilesAreIgnoredAndNamesPostgratorNeverRunsReported) {
  for (const char* ignored : {"README.md", "001.do.create.txt", "notes.sql", "v1.do.sql",
                              "postgrator.json", "001.do.d.ts"}) {
    const auto parsed = postgrator().parse(ignored, {});
    EXPECT_FALSE(parsed.migration) << ignored;
    EXPECT_TRUE(parsed.malformed.empty()) << ignored;
  }
  for (const char* bad : {"001.up.sql", "001.sql", "000.do.init.sql"}) {
    const auto parsed = postgrator().parse(bad, {});
    EXPECT_FALSE(parsed.migration) << bad;
    EXPECT_FALSE(parsed.malformed.empty()) << bad;
  }
}

TEST(PostgratorVersions, CompareAsNumbers) {
  const auto& compare = postgrator().compare_versions;
  EXPECT_LT(compare("9", "10"), 0);
  EXPECT_EQ(compare("2", "2"), 0);
  EXPECT_GT(compare("100", "99"), 0);
}

TEST(PostgratorChecksum, IsTheMd5HexOfTheFileAsIs) {
  EXPECT_EQ(postgrator().checksum, mexp::SourceChecksum::md5_hex);
  // `printf 'CREATE TABLE a (id int);\n' | md5sum`, the same with CRLF, and with a UTF-8 BOM.
  EXPECT_EQ(mexp::source_checksum(postgrator().checksum, "CREATE TABLE a (id int);\n"),
            "a040b67b9d35c661f5307c16b0ff432a");
  EXPECT_EQ(mexp::source_checksum(postgrator().checksum, "CREATE TABLE a (id int);\r\n"),
            "1a1f791a9a3310577f9fd8ea9975ccdd");
  EXPECT_EQ(mexp::source_checksum(postgrator().checksum, "\xEF\xBB\xBFSELECT 1;\n"),
            "4dc7eb1fd44addf5246b6ede6e55c214");
}

TEST(PostgratorHistory, RowsAreComparedByVersion) {
  const mexp::AppliedMigration row{"apply", "12", "x", "", "", "a040", true, 12};
  EXPECT_EQ(postgrator().identity_of(row), "12");
}
