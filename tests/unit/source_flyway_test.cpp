// Flyway's source reader: checksums equal to those computed independently (data/flyway_checksums.py
// printed the table below), file names resolved as Flyway resolves them, versions ordered as
// Flyway orders them.
#include <gtest/gtest.h>

#include <string>

#include "sources/checksums.h"
#include "sources/source_tool.h"

namespace {

std::string large_file() {
  std::string content;
  for (int i = 0; i < 200000; ++i)
    content +=
        "INSERT INTO big VALUES (" + std::to_string(i) + ", 'row " + std::to_string(i) + "');\r\n";
  return content;
}

const mexp::SourceTool& flyway() {
  const auto* tool = mexp::find_source_tool("flyway");
  if (tool == nullptr) throw std::runtime_error("flyway source tool not registered");
  return *tool;
}

}  // namespace

TEST(FlywayChecksum, MatchesTheIndependentlyComputedValues) {
  const std::pair<std::string, std::int32_t> cases[] = {
      {"CREATE TABLE t (id int);\nINSERT INTO t VALUES (1);\n", 169406234},
      {"CREATE TABLE t (id int);\r\nINSERT INTO t VALUES (1);\r\n", 169406234},
      {"CREATE TABLE t (id int);\rINSERT INTO t VALUES (1);\r", 169406234},
      {"\xEF\xBB\xBF"
       "CREATE TABLE t (id int);\nINSERT INTO t VALUES (1);\n",
       169406234},
      {"CREATE TABLE t (id int);\nINSERT INTO t VALUES (1);", 169406234},
      {"\n\nCREATE TABLE t (id int);\n\n\n\nINSERT INTO t VALUES (1);\n\n", 169406234},
      {"INSERT INTO t VALUES ('grüße', '日本語', 'ünïcödé');\n", 481159087},
      {"SELECT 1;\n\xEF\xBB\xBF"
       "SELECT 2;\n",
       -737986772},
      {"", 0},
  };
  for (const auto& [content, expected] : cases) {
    EXPECT_EQ(mexp::flyway_checksum(content), expected) << content;
  }
}

TEST(FlywayChecksum, ALargeCrlfFileMatches) {
  EXPECT_EQ(mexp::flyway_checksum(large_file()), -127549278);
}

TEST(FlywayChecksum, ContentChangesMoveTheChecksum) {
  EXPECT_NE(mexp::flyway_checksum("SELECT 1;\n"), mexp::flyway_checksum("SELECT 2;\n"));
  EXPECT_EQ(mexp::source_checksum(mexp::SourceChecksum::flyway_crc32, "SELECT 1;\n"),
            std::to_string(mexp::flyway_checksum("SELECT 1;")));
}

TEST(OtherChecksums, Sha256AndMd5AreLowercaseHex) {
  // Values of `printf abc | sha256sum` and `printf abc | md5sum`.
  EXPECT_EQ(mexp::sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(mexp::md5_hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
}

TEST(FlywayNames, VersionedUndoBaselineAndRepeatableFilesResolve) {
  const mexp::SourceNaming naming;
  auto parsed = flyway().parse("V1_10__Add_orders_table.sql", naming);
  ASSERT_TRUE(parsed.migration);
  EXPECT_EQ(parsed.migration->kind, mexp::SourceKind::versioned);
  EXPECT_EQ(parsed.migration->version, "1.10");
  EXPECT_EQ(parsed.migration->identity, "1.10");
  EXPECT_EQ(parsed.migration->description, "Add orders table");

  parsed = flyway().parse("sub/dir/R__refresh_views.sql", naming);
  ASSERT_TRUE(parsed.migration);
  EXPECT_EQ(parsed.migration->kind, mexp::SourceKind::repeatable);
  EXPECT_EQ(parsed.migration->identity, "refresh views");
  EXPECT_TRUE(parsed.migration->version.empty());

  parsed = flyway().parse("U2__undo.sql", naming);
  ASSERT_TRUE(parsed.migration);
  EXPECT_EQ(parsed.migration->kind, mexp::SourceKind::undo);
  parsed = flyway().parse("B5__baseline.sql", naming);
  ASSERT_TRUE(parsed.migration);
  EXPECT_EQ(parsed.migration->kind, mexp::SourceKind::baseline);
  // Leading zeros and trailing .0 parts name the same version as Flyway's MigrationVersion.
  parsed = flyway().parse("V01.0__x.sql", naming);
  ASSERT_TRUE(parsed.migration);
  EXPECT_EQ(parsed.migration->identity, "1");
}

TEST(FlywayNames, OtherFilesAreIgnoredAndBadNamesReported) {
  const mexp::SourceNaming naming;
  for (const char* ignored : {"README.md", "V1__init.txt", "afterMigrate.sql", "x.sql"}) {
    const auto parsed = flyway().parse(ignored, naming);
    EXPECT_FALSE(parsed.migration) << ignored;
    EXPECT_TRUE(parsed.malformed.empty()) << ignored;
  }
  for (const char* bad : {"V1_init.sql", "V__init.sql", "V1a__init.sql", "R1__views.sql"}) {
    const auto parsed = flyway().parse(bad, naming);
    EXPECT_FALSE(parsed.migration) << bad;
    EXPECT_FALSE(parsed.malformed.empty()) << bad;
  }
}

TEST(FlywayNames, PrefixesSeparatorAndSuffixesAreConfigurable) {
  mexp::SourceNaming naming;
  naming.versioned_prefix = "M";
  naming.separator = "-";
  naming.suffixes = {".pgsql", ".sql"};
  const auto parsed = flyway().parse("M2.1-add_index.pgsql", naming);
  ASSERT_TRUE(parsed.migration);
  EXPECT_EQ(parsed.migration->identity, "2.1");
  EXPECT_EQ(parsed.migration->description, "add index");
  EXPECT_FALSE(flyway().parse("V2__x.sql", naming).migration);
}

TEST(FlywayVersions, CompareAsDottedNumbers) {
  const auto& compare = flyway().compare_versions;
  EXPECT_LT(compare("1.9", "1.10"), 0);
  EXPECT_GT(compare("2", "1.10.5"), 0);
  EXPECT_EQ(compare("1", "1.0.0"), 0);
  EXPECT_EQ(compare("007", "7"), 0);
  EXPECT_LT(compare("20240101000000", "202401010000001"), 0);
  EXPECT_LT(compare("99999999999999999999999", "100000000000000000000000"), 0);
}

TEST(FlywayHistory, RowsAreComparedByVersionOrDescriptionAndJavaIsUnverifiable) {
  mexp::AppliedMigration versioned{"apply", "1.10.0", "x", "SQL", "V1_10__x.sql", "1", true, 2};
  mexp::AppliedMigration repeatable{
      "apply", std::nullopt, "refresh views", "SQL", "R__x.sql", "2", true, 3};
  mexp::AppliedMigration java{"apply", "3", "java", "JDBC", "db.V3__java", std::nullopt, true, 4};
  EXPECT_EQ(flyway().identity_of(versioned), "1.10");
  EXPECT_EQ(flyway().identity_of(repeatable), "refresh views");
  EXPECT_TRUE(flyway().unverifiable(java));
  EXPECT_FALSE(flyway().unverifiable(versioned));
}
