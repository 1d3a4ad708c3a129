// Graphile Migrate's source reader: committed/<number>[-message].sql recorded as <number>.sql, the
// headers read as graphile-migrate reads them, and the hash it records, "sha1:" + the SHA-1 of the
// previous hash, a newline and the trimmed body (expected values from `printf … | sha1sum`).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "sources/source_scan.h"
#include "sources/source_tool.h"

namespace {

const mexp::SourceTool& graphile() {
  const auto* tool = mexp::find_source_tool("graphile-migrate");
  if (tool == nullptr) throw std::runtime_error("graphile-migrate source tool not registered");
  return *tool;
}

// printf 'CREATE TABLE a (id int);\n' | sha1sum
constexpr const char* kHash1 = "sha1:4f45642ec931df92e13364b7a3d95eb876d756b7";
// printf 'sha1:4f45…56b7\nCREATE TABLE b (id int);\n' | sha1sum
constexpr const char* kHash2 = "sha1:02f2af632917dd9ab6ba273a75df08457e8e4361";

mexp::SourceName read(const std::string& content) {
  const auto named = graphile().parse("committed/000002.sql", {});
  return graphile().read_content(content, *named.migration);
}

std::string committed(const std::string& previous, const std::string& hash,
                      const std::string& body) {
  return "--! Previous: " + previous + "\n--! Hash: " + hash + "\n\n" + body;
}

}  // namespace

TEST(GraphileMigrateNames, CommittedFilesAreRecordedByTheirNumber) {
  auto parsed = graphile().parse("committed/000001.sql", {});
  ASSERT_TRUE(parsed.migration);
  EXPECT_EQ(parsed.migration->identity, "000001.sql");
  EXPECT_EQ(parsed.migration->version, "000001");
  parsed = graphile().parse("committed/000002-add_users-table.sql", {});
  ASSERT_TRUE(parsed.migration);
  EXPECT_EQ(parsed.migration->identity, "000002.sql");  // the message is not recorded
  EXPECT_EQ(parsed.migration->description, "add_users-table");
  parsed = graphile().parse("000003.sql", {});  // the path names the committed folder itself
  ASSERT_TRUE(parsed.migration);
  for (const char* ignored :
       {"current.sql", "current/001-x.sql", "committed/000001_x.sql", "committed/abc.sql",
        "committed/000001.sql.orig", ".gmrc", "committed/000001-a b.sql"}) {
    parsed = graphile().parse(ignored, {});
    EXPECT_FALSE(parsed.migration) << ignored;
    EXPECT_TRUE(parsed.malformed.empty()) << ignored;
  }
  EXPECT_LT(graphile().compare_versions("000009.sql", "000010.sql"), 0);
}

TEST(GraphileMigrateHash, IsTheSha1OfThePreviousHashAndTheTrimmedBody) {
  auto result = graphile().read_content(committed("-", kHash1, "CREATE TABLE a (id int);\n"),
                                        *graphile().parse("committed/000001.sql", {}).migration);
  ASSERT_TRUE(result.migration);
  EXPECT_EQ(result.checksum, kHash1);
  EXPECT_TRUE(result.problem.empty()) << result.problem;
  // Surrounding blank lines and a message header change nothing.
  result = read("--! Previous: " + std::string(kHash1) + "\n--! Hash: " + kHash2 +
                "\n--! Message: add b\n\n\n\nCREATE TABLE b (id int);\n\n\n");
  ASSERT_TRUE(result.migration);
  EXPECT_EQ(result.checksum, kHash2);
  EXPECT_TRUE(result.problem.empty()) << result.problem;
}

TEST(GraphileMigrateHash, ABodyEditedUnderItsHeaderIsReportedWithTheHashItNowHas) {
  // printf 'sha1:4f45…56b7\nCREATE TABLE b (id bigint);\n' | sha1sum
  auto result = read(committed(kHash1, kHash2, "CREATE TABLE b (id bigint);\n"));
  ASSERT_TRUE(result.migration);
  EXPECT_EQ(result.checksum, "sha1:d40e727d7822248332d97f130298871c62ccb6e7");
  EXPECT_NE(result.problem.find("refuses"), std::string::npos);
  // With AllowInvalidHash graphile-migrate runs it and records the header's hash.
  result = read("--! Previous: " + std::string(kHash1) + "\n--! Hash: " + kHash2 +
                "\n--! AllowInvalidHash\n\nCREATE TABLE b (id bigint);\n");
  ASSERT_TRUE(result.migration);
  EXPECT_EQ(result.checksum, kHash2);
  EXPECT_TRUE(result.problem.empty());
}

TEST(GraphileMigrateHash, FilesGraphileMigrateRejectsAreMalformed) {
  for (const std::string& bad : std::vector<std::string>{
           std::string("CREATE TABLE a (id int);\n"),                              // no headers
           "--! Hash: " + std::string(kHash1) + "\n\nSELECT 1;\n",                 // no Previous
           std::string("--! Previous: -\n\nSELECT 1;\n"),                          // no Hash
           "--! Previous: -\n--! Hash: " + std::string(kHash1) + "\nSELECT 1;\n",  // no empty line
           "--! Previous: -\r\n--! Hash: " + std::string(kHash1) + "\r\n\r\nSELECT 1;\r\n",  // CRLF
           std::string("--! Previous: -\n--! Previous: -\n--! Hash: x\n\nSELECT 1;\n")}) {
    const auto result = read(bad);
    EXPECT_FALSE(result.migration) << bad;
    EXPECT_FALSE(result.malformed.empty()) << bad;
  }
}

// graphile-migrate links the files before any command: a `--! Previous:` that is not the hash of
// the file before it makes status and migrate fail ("Previous migration with hash … doesn't
// match"), so the file is a problem file, as is a first file that names a previous one.
TEST(GraphileMigrateChain, APreviousHeaderThatIsNotTheHashBeforeItIsAProblem) {
  char pattern[] = "/tmp/me_graphile_chain_XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  const std::filesystem::path dir = pattern;
  std::filesystem::create_directory(dir / "committed");
  const auto write = [&](const std::string& name, const std::string& content) {
    std::ofstream(dir / "committed" / name, std::ios::binary) << content;
  };
  // printf 'sha1:02f2…4361\nCREATE TABLE c (id int);\n' | sha1sum
  const std::string hash3 = "sha1:7e4bf593d35ddacd6713c8c8e6369077d727fd52";
  write("000001-a.sql", committed("-", kHash1, "CREATE TABLE a (id int);\n"));
  write("000002-b.sql", committed(kHash1, kHash2, "CREATE TABLE b (id int);\n"));
  write("000003.sql", committed(kHash2, hash3, "CREATE TABLE c (id int);\n"));
  mexp::SourceScanner scanner;
  auto snapshot = scanner.scan(dir.string(), graphile(), {});
  ASSERT_TRUE(snapshot.up) << snapshot.error;
  ASSERT_EQ(snapshot.files.size(), 3U);
  for (const auto& file : snapshot.files) EXPECT_TRUE(file.problem.empty()) << file.problem;

  // 000001 edited and re-hashed (its own header agrees): 000002 no longer follows it.
  // printf 'CREATE TABLE a (id bigint);\n' | sha1sum
  write("000001-a.sql", committed("-", "sha1:521bc9a8e4011db52a150bd19dcb7ed3f500b0d6",
                                  "CREATE TABLE a (id bigint);\n"));
  snapshot = scanner.scan(dir.string(), graphile(), {});
  ASSERT_EQ(snapshot.files.size(), 3U);
  EXPECT_TRUE(snapshot.files[0].problem.empty()) << snapshot.files[0].problem;
  EXPECT_NE(snapshot.files[1].problem.find("not the hash of committed/000001-a.sql"),
            std::string::npos)
      << snapshot.files[1].problem;
  EXPECT_EQ(snapshot.files[1].checksum, kHash2);  // still its own hash: no drift of its own
  EXPECT_TRUE(snapshot.files[2].problem.empty()) << snapshot.files[2].problem;

  // A first file that names a previous one; and one after a refused file is not judged.
  // printf 'sha1:02f2…4361\nCREATE TABLE a (id int);\n' | sha1sum
  write("000001-a.sql", committed(kHash2, "sha1:591a0921be1fdc313bddc56205987723af16868d",
                                  "CREATE TABLE a (id int);\n"));
  snapshot = scanner.scan(dir.string(), graphile(), {});
  ASSERT_EQ(snapshot.files.size(), 3U);
  EXPECT_NE(snapshot.files[0].problem.find("first migration"), std::string::npos)
      << snapshot.files[0].problem;
  EXPECT_TRUE(snapshot.files[1].problem.empty()) << snapshot.files[1].problem;
  std::filesystem::remove_all(dir);
}
