// Liquibase's source reader: a changelog tree (XML root, an SQL and a YAML include, an includeAll
// directory, logicalFilePath) read into the identities and version-9 checksums the real
// Liquibase 4.28.0 recorded for the same files (databasechangelog, run on PostgreSQL 15 while this
// reader was written); formatted SQL details; the cache (nothing read again while no file changed).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "sources/comparison.h"
#include "sources/liquibase_changelog.h"
#include "sources/source_scan.h"

namespace fs = std::filesystem;

namespace {

const mexp::SourceTool& liquibase() {
  const auto* tool = mexp::find_source_tool("liquibase");
  if (tool == nullptr) throw std::runtime_error("liquibase source tool not registered");
  return *tool;
}

constexpr std::string_view kXmlHeader =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<databaseChangeLog\n"
    "    xmlns=\"http://www.liquibase.org/xml/ns/dbchangelog\"\n"
    "    xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n";

class LiquibaseTree : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/me_liquibase_XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    root_ = pattern;
    write("db/changelog/master.xml",
          std::string(kXmlHeader) +
              "  <changeSet id=\"1\" author=\"alice\">\n"
              "    <sql>CREATE TABLE x1 (id int)</sql>\n  </changeSet>\n"
              "  <!-- <changeSet id=\"commented\" author=\"x\"/> -->\n"
              "  <include file=\"sql/a.sql\" relativeToChangelogFile=\"true\"/>\n"
              "  <include file=\"db/changelog/b.yaml\"/>\n"
              "  <includeAll path=\"more/\" relativeToChangelogFile=\"true\"/>\n"
              "  <changeSet id=\"logical\" author=\"bob\" logicalFilePath=\"custom/path.xml\">\n"
              "    <sql>CREATE TABLE x2 (id int)</sql>\n  </changeSet>\n</databaseChangeLog>\n");
    write("db/changelog/sql/a.sql",
          "--liquibase formatted sql\n\n--changeset carol:a1\nCREATE TABLE a1 (id int);\n\n"
          "--changeset carol:a2 runOnChange:true\nCREATE TABLE a2 (id int);\n");
    write("db/changelog/b.yaml",
          "databaseChangeLog:\n  - changeSet:\n      id: b1\n      author: dave\n"
          "      changes:\n        - sql:\n            sql: CREATE TABLE b1 (id int)\n");
    write("db/changelog/more/001-c.sql",
          "--liquibase formatted sql\n--changeset erin:c1\nCREATE TABLE c1 (id int);\n");
    write("db/changelog/more/002-d.xml",
          std::string(kXmlHeader) +
              "  <changeSet id=\"d1\" author=\"frank\"><sql>CREATE TABLE d1 (id int)</sql>"
              "</changeSet>\n</databaseChangeLog>\n");
  }
  void TearDown() override { fs::remove_all(root_); }
  void write(const std::string& relative, const std::string& content) {
    const fs::path path = fs::path(root_) / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
  }
  mexp::SourceSnapshot scan(mexp::SourceScanner& scanner) {
    mexp::SourceNaming naming;
    naming.changelog_file = "db/changelog/master.xml";
    return scanner.scan(root_, liquibase(), naming);
  }
  std::string root_;
};

}  // namespace

TEST_F(LiquibaseTree, ChangesetsAreRecordedAsLiquibaseRecordsThemInItsOrder) {
  mexp::SourceScanner scanner;
  const auto snapshot = scan(scanner);
  ASSERT_TRUE(snapshot.up) << snapshot.error;
  // id, author, filename and md5sum of the rows Liquibase 4.28.0 wrote, in orderexecuted order.
  const std::vector<std::pair<std::string, std::optional<std::string>>> recorded = {
      {"db/changelog/master.xml::1::alice", "9:4a8eb411eeaf67f594dec442b49cf768"},
      {"db/changelog/sql/a.sql::a1::carol", "9:dfce0013934c6dc62a9a256c47851ba2"},
      {"db/changelog/sql/a.sql::a2::carol", "9:68d09b7220c19fa63b0281026cddfac1"},
      {"db/changelog/b.yaml::b1::dave", "9:97eefa43dea024ac8faf8da16ff6bb45"},
      {"db/changelog/more/001-c.sql::c1::erin", "9:8a943e1a72711c8373271a7ff6c93ce0"},
      {"db/changelog/more/002-d.xml::d1::frank", "9:0efe6cd421164ddef3784060812f0515"},
      {"custom/path.xml::logical::bob", "9:d40d90d36221bc7ea453195b43041edc"}};
  ASSERT_EQ(snapshot.files.size(), recorded.size());
  for (std::size_t i = 0; i < recorded.size(); ++i) {
    EXPECT_EQ(snapshot.files[i].migration.identity, recorded[i].first) << i;
    EXPECT_EQ(snapshot.files[i].checksum, recorded[i].second) << i;
  }
  EXPECT_EQ(snapshot.files[2].migration.kind, mexp::SourceKind::repeatable) << "runOnChange";
  EXPECT_TRUE(snapshot.malformed.empty());
}

TEST_F(LiquibaseTree, NothingIsReadAgainUntilAFileOrADirectoryChanges) {
  mexp::SourceScanner scanner;
  EXPECT_EQ(scan(scanner).files_hashed, 5u);
  EXPECT_EQ(scan(scanner).files_hashed, 0u);
  write("db/changelog/more/003-e.sql",
        "--liquibase formatted sql\n--changeset erin:e1\nSELECT 1;\n");
  const auto snapshot = scan(scanner);
  EXPECT_EQ(snapshot.files_hashed, 6u);
  EXPECT_EQ(snapshot.files[6].migration.identity, "db/changelog/more/003-e.sql::e1::erin");
}

TEST_F(LiquibaseTree, AMissingIncludeMakesTheSourceUnreadable) {
  write("db/changelog/master.xml",
        std::string(kXmlHeader) + "  <include file=\"gone.xml\"/>\n</databaseChangeLog>\n");
  mexp::SourceScanner scanner;
  const auto snapshot = scan(scanner);
  EXPECT_FALSE(snapshot.up);
  EXPECT_NE(snapshot.error.find("gone.xml"), std::string::npos) << snapshot.error;
}

TEST(LiquibaseSql, RollbackCommentAndPreconditionLinesAreNotPartOfTheChecksum) {
  const auto plain = mexp::parse_liquibase_sql(
      "--liquibase formatted sql\n--changeset a:1\nCREATE TABLE t (id int);\n");
  const auto annotated = mexp::parse_liquibase_sql(
      "-- liquibase formatted sql\n--changeset a:1 labels:x\n--comment: why\n"
      "--preconditions onFail:MARK_RAN\n--precondition-sql-check expectedResult:0 SELECT 1\n"
      "CREATE TABLE t (\n  id int\n);\n--rollback DROP TABLE t;\n");
  ASSERT_EQ(plain.items.size(), 1u);
  ASSERT_EQ(annotated.items.size(), 1u);
  const auto& first = std::get<mexp::LiquibaseChangeSet>(plain.items[0]);
  const auto& second = std::get<mexp::LiquibaseChangeSet>(annotated.items[0]);
  ASSERT_TRUE(first.checksum);
  EXPECT_EQ(first.checksum, second.checksum);
  // A plain SQL comment is part of it.
  const auto commented = mexp::parse_liquibase_sql(
      "--liquibase formatted sql\n--changeset a:1\n-- commented\nCREATE TABLE t (id int);\n");
  EXPECT_NE(std::get<mexp::LiquibaseChangeSet>(commented.items[0]).checksum, first.checksum);
}

TEST(LiquibaseSql, ChangesetLinesAndParametersAreReadAsLiquibaseReadsThem) {
  const auto changelog = mexp::parse_liquibase_sql(
      "--liquibase formatted sql\n--changeset \"Jane Doe\":init runAlways:true dbms:oracle\n"
      "SELECT 1;\n--changeset bob:p\nCREATE TABLE ${prefix}t (id int);\n--changeset broken\n");
  ASSERT_EQ(changelog.items.size(), 2u);
  const auto& first = std::get<mexp::LiquibaseChangeSet>(changelog.items[0]);
  EXPECT_EQ(first.author, "Jane Doe");
  EXPECT_EQ(first.id, "init");
  EXPECT_TRUE(first.run_always);
  EXPECT_TRUE(first.other_database);
  // ${prefix} comes from changelog parameters the files do not show: no checksum to compare.
  EXPECT_FALSE(std::get<mexp::LiquibaseChangeSet>(changelog.items[1]).checksum);
  ASSERT_EQ(changelog.problems.size(), 1u);
  EXPECT_EQ(changelog.problems[0], "line 6: not --changeset <author>:<id>");
}

TEST(LiquibaseHistory, RowsMatchChangesetsCaseInsensitivelyByFileIdAndAuthor) {
  mexp::SourceSnapshot sources;
  sources.up = true;
  for (const char* identity : {"db/a.xml::1::alice", "db/a.xml::3::alice"})
    sources.files.push_back({"db/a.xml",
                             {mexp::SourceKind::versioned, identity, identity, ""},
                             std::string("9:aaa"),
                             "",
                             {}});
  // As applied_sql reads them: version = id, description = author, script = filename.
  const std::vector<mexp::AppliedMigration> history = {
      {"apply", "1", "Alice", "EXECUTED", "classpath:/db/a.xml", std::string("9:aaa"), true, 1},
      {"apply", "2", "alice", "EXECUTED", "db/a.xml", std::nullopt, true, 2}};
  const auto result = mexp::compare_migrations(liquibase(), sources, history);
  EXPECT_EQ(result.pending, (std::vector<std::string>{"db/a.xml::3::alice"}));
  EXPECT_EQ(result.missing_source, (std::vector<std::string>{"db/a.xml::2::alice"}));
  EXPECT_TRUE(result.checksum_mismatch.empty());
}

TEST(LiquibaseYaml, SqlChangesAreChecksummedAsLiquibaseRecordedThem) {
  // Each changeset and the md5sum Liquibase 4.28.1 wrote for it (databasechangelog, PostgreSQL,
  // while this reader was written): plain, literal, folded, double- and single-quoted scalars,
  // two changes with attributes and a rollback, a multi-line plain scalar.
  const auto changelog = mexp::parse_liquibase_yaml(
      "databaseChangeLog:\n"
      "  - changeSet:\n      id: plain\n      author: p\n      changes:\n        - sql:\n"
      "            sql: CREATE TABLE p1 (id int)\n"
      "  - changeSet:\n      id: literal\n      author: p\n      changes:\n        - sql:\n"
      "            splitStatements: false\n            sql: |\n              CREATE TABLE p2 (\n"
      "                id int\n              );\n"
      "  - changeSet:\n      id: folded\n      author: p\n      changes:\n        - sql:\n"
      "            sql: >-\n              CREATE TABLE p3\n              (id int);\n"
      "  - changeSet:\n      id: dquoted\n      author: p\n      changes:\n        - sql:\n"
      "            sql: \"CREATE TABLE \\\"p4\\\" (note text DEFAULT 'a\\\\b')\"\n"
      "  - changeSet:\n      id: squoted\n      author: p\n      changes:\n        - sql:\n"
      "            sql: 'CREATE TABLE p5 (note text DEFAULT ''x'')'\n"
      "  - changeSet:\n      id: two\n      author: p\n      comment: two changes\n"
      "      changes:\n        - sql:\n            sql: CREATE TABLE p6 (id int)\n"
      "        - sql:\n            stripComments: true\n"
      "            sql: CREATE TABLE p7 (id int) -- trailing\n"
      "      rollback:\n        - sql:\n            sql: DROP TABLE p6\n"
      "  - changeSet:\n      id: multiline-plain\n      author: p\n      changes:\n"
      "        - sql:\n            sql: CREATE TABLE p9\n              (id int)  # a comment\n"
      "  - changeSet:\n      id: typed\n      author: p\n      changes:\n"
      "        - createTable:\n            tableName: p8\n");
  ASSERT_TRUE(changelog.error.empty()) << changelog.error;
  const std::vector<std::pair<std::string, std::optional<std::string>>> recorded = {
      {"plain", "9:a51ec5ec7f6b2097366851ec3d009845"},
      {"literal", "9:a97ac7826ab0a2c2c0083865979d2a6e"},
      {"folded", "9:88f25824df6077ead3711589909a8837"},
      {"dquoted", "9:bc852c3200e1a53cde04c7a0d95d02eb"},
      {"squoted", "9:a4966b673731664b833c25a10189792b"},
      {"two", "9:c6ca8ee458384dce2fbcbdbe18b57d78"},
      {"multiline-plain", "9:be11ae54eca5526d6eae02d067768dcd"},
      {"typed", std::nullopt}};  // 9:89654375…: createTable is not checksummed here
  ASSERT_EQ(changelog.items.size(), recorded.size());
  for (std::size_t i = 0; i < recorded.size(); ++i) {
    const auto& changeset = std::get<mexp::LiquibaseChangeSet>(changelog.items[i]);
    EXPECT_EQ(changeset.id, recorded[i].first);
    EXPECT_EQ(changeset.checksum, recorded[i].second) << changeset.id;
  }
  // In a block scalar a '#' line is SQL, not a YAML comment; after a plain one it is a comment.
  const auto hashes = mexp::parse_liquibase_yaml(
      "databaseChangeLog:\n  - changeSet:\n      id: h\n      author: p\n      changes:\n"
      "        - sql:\n            sql: |\n              SELECT 1\n              # kept\n"
      "        - sql:\n            sql: SELECT 2\n            # dropped\n");
  ASSERT_EQ(hashes.items.size(), 1U);
  EXPECT_EQ(std::get<mexp::LiquibaseChangeSet>(hashes.items[0]).checksum,
            mexp::liquibase_sql_checksum({"SELECT 1\n# kept\n", "SELECT 2"}));
}

TEST(LiquibaseYaml, WhatIsNotReproducedHasNoChecksumAndValidCheckSumIsRead) {
  const auto changelog = mexp::parse_liquibase_yaml(
      "databaseChangeLog:\n"
      "  - changeSet:\n      id: dbms\n      author: p\n      changes:\n        - sql:\n"
      "            dbms: postgresql\n            sql: SELECT 1\n"
      "  - changeSet:\n      id: param\n      author: p\n      changes:\n        - sql:\n"
      "            sql: SELECT '${x}'\n"
      "  - changeSet:\n      id: escape\n      author: p\n      changes:\n        - sql:\n"
      "            sql: \"SELECT '\\u00e9'\"\n"
      "  - changeSet:\n      id: valid\n      author: p\n      validCheckSum:\n"
      "        - 9:abc\n        - ANY\n      changes:\n        - sql:\n"
      "            sql: \"SELECT\n              1\"\n");
  ASSERT_EQ(changelog.items.size(), 4U);
  for (std::size_t i = 0; i < 3; ++i)
    EXPECT_EQ(std::get<mexp::LiquibaseChangeSet>(changelog.items[i]).checksum, std::nullopt) << i;
  const auto& valid = std::get<mexp::LiquibaseChangeSet>(changelog.items[3]);
  EXPECT_EQ(valid.valid_checksums, (std::vector<std::string>{"9:abc", "ANY"}));
  EXPECT_EQ(valid.checksum, mexp::liquibase_sql_checksum({"SELECT 1"}));
}
