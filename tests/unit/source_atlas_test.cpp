// Atlas's source reader: `*.sql` files of the directory itself, version up to the first '_', and
// the hash Atlas stores per revision: the running SHA-256 (base64) over every file's name and
// content up to it, as its atlas.sum lines hold. Expected values come from `sha256sum | xxd -r -p |
// base64` over the concatenated names and contents, and from atlas.sum in Atlas's own test data
// (ariga/atlas sql/migrate/testdata/migrate/sub).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "sources/comparison.h"
#include "sources/source_scan.h"
#include "sources/source_tool.h"

namespace {

const mexp::SourceTool& atlas() {
  const auto* tool = mexp::find_source_tool("atlas");
  if (tool == nullptr) throw std::runtime_error("atlas source tool not registered");
  return *tool;
}

const std::string kA = "CREATE TABLE a (id int);\n";
const std::string kB = "CREATE TABLE b (id int);\n";
// { printf 1_a.sql; printf "$kA"; } | sha256sum | xxd -r -p | base64, then with 2_b.sql appended.
constexpr const char* kHashA = "e72Wd39UNYY4sGrVkNYkCs4GRrWBQ0ASXh73rS+WpU4=";
constexpr const char* kHashAB = "LYBzMWp8I1J0wb5WVXG/rhd1DXb0uUx/zp1eAIICVlY=";
// The same with 2_b.sql reading "CREATE TABLE b (id bigint);\n".
constexpr const char* kHashABEdited = "GKcPs+DTBoIBcd2ID48CHe6IcTQwBr9JwjeOfGfGyWA=";
// sha256 over "1_a.sql" kHashA "2_b.sql" kHashAB: atlas.sum's first line.
constexpr const char* kSumAB = "suWOgEl4b8+ZGnGkyRcy2AueRtZKAkT6PdNTDiVWU88=";

std::string sum_file_ab() {
  return std::string("h1:") + kSumAB + "\n1_a.sql h1:" + kHashA + "\n2_b.sql h1:" + kHashAB + "\n";
}

mexp::ChainedChecksums chain(const std::vector<mexp::SourceContent>& files,
                             const std::optional<std::string>& sum) {
  return atlas().chain_checksums(files, sum);
}

}  // namespace

TEST(AtlasNames, EverySqlFileOfTheDirectoryIsAMigration) {
  auto parsed = atlas().parse("20240105120000_create_users.sql", {});
  ASSERT_TRUE(parsed.migration);
  EXPECT_EQ(parsed.migration->identity, "20240105120000");
  EXPECT_EQ(parsed.migration->version, "20240105120000");
  EXPECT_EQ(parsed.migration->description, "create_users");
  parsed = atlas().parse("1.a_sub.up.sql", {});  // Atlas's test data: split at the first '_'
  ASSERT_TRUE(parsed.migration);
  EXPECT_EQ(parsed.migration->version, "1.a");
  EXPECT_EQ(parsed.migration->description, "sub.up");
  parsed = atlas().parse("3.sql", {});
  ASSERT_TRUE(parsed.migration);
  EXPECT_EQ(parsed.migration->version, "3");
  EXPECT_EQ(parsed.migration->description, "");
  for (const char* ignored : {"atlas.sum", "README.md", "sub/1_x.sql", "1_x.sql.bak"}) {
    parsed = atlas().parse(ignored, {});
    EXPECT_FALSE(parsed.migration) << ignored;
    EXPECT_TRUE(parsed.malformed.empty()) << ignored;
  }
}

TEST(AtlasNames, VersionsCompareAsText) {
  const auto& compare = atlas().compare_versions;
  EXPECT_LT(compare("20240101000000", "20240102000000"), 0);
  EXPECT_LT(compare("10", "9"), 0);  // Atlas compares version strings, not numbers
  EXPECT_EQ(compare("1.a", "1.a"), 0);
}

TEST(AtlasChecksum, EachHashCoversTheFilesBeforeIt) {
  EXPECT_EQ(atlas().checksum, mexp::SourceChecksum::chained);
  const auto result = chain({{"1_a.sql", kA}, {"2_b.sql", kB}}, sum_file_ab());
  ASSERT_EQ(result.checksums.size(), 2U);
  EXPECT_EQ(result.checksums[0], kHashA);
  EXPECT_EQ(result.checksums[1], kHashAB);
  EXPECT_TRUE(result.problems.empty());
  // Editing the second file changes its hash only; editing the first changes both.
  const auto edited = chain({{"1_a.sql", kA}, {"2_b.sql", "CREATE TABLE b (id bigint);\n"}}, {});
  EXPECT_EQ(edited.checksums[0], kHashA);
  EXPECT_EQ(edited.checksums[1], kHashABEdited);
  const auto first = chain({{"1_a.sql", kA + " "}, {"2_b.sql", kB}}, {});
  EXPECT_NE(first.checksums[0], kHashA);
  EXPECT_NE(first.checksums[1], kHashAB);
}

TEST(AtlasChecksum, MatchesAtlasSumOfAtlasTestData) {
  const std::vector<mexp::SourceContent> files = {
      {"1.a_sub.up.sql",
       "-- create table \"t_sub\"\nCREATE TABLE t_sub(c int);\n-- add c1 column\n"
       "ALTER TABLE t_sub ADD c1 int;"},
      {"2.10.x-20_description.sql", "-- add c2 column\nALTER TABLE t_sub ADD c2 int;"},
      {"3_partly.sql",
       "-- add c3 column\nALTER TABLE t_sub ADD c3 int;\n-- add c4 column\n"
       "ALTER TABLE t_sub ADD c4 int;"}};
  const std::string sum =
      "h1:VpH77zWOBMwX5QhvnQo0XQvXCrOYZg4h1o0XlJTQnl0=\n"
      "1.a_sub.up.sql h1:nXyZR020M/mH7LxkoTkJr7BcQkipVg90imQ9I4595dw=\n"
      "2.10.x-20_description.sql h1:wQB3Vh3PHVXQg9OD3Gn7TBxbZN3r1Qb7TtAE1g3q9mQ=\n"
      "3_partly.sql h1:lHlMz6mEvBfvjry5lFXjs2vi6Et9xb9CWicaOXD42Qc=\n";
  const auto result = chain(files, sum);
  EXPECT_EQ(result.checksums[0], "nXyZR020M/mH7LxkoTkJr7BcQkipVg90imQ9I4595dw=");
  EXPECT_EQ(result.checksums[2], "lHlMz6mEvBfvjry5lFXjs2vi6Et9xb9CWicaOXD42Qc=");
  EXPECT_TRUE(result.problems.empty());
}

TEST(AtlasChecksum, ASumIgnoredFileAddsOnlyItsName) {
  // { printf 1_a.sql; printf "$kA"; printf 1x_ig.sql; printf 2_b.sql; printf "$kB"; } | ...
  const auto result = chain(
      {{"1_a.sql", kA}, {"1x_ig.sql", "-- atlas:sum ignore\nSELECT 9;\n"}, {"2_b.sql", kB}}, {});
  ASSERT_EQ(result.checksums.size(), 3U);
  EXPECT_EQ(result.checksums[1], std::nullopt);
  EXPECT_EQ(result.checksums[2], "d012HlOJKZoSBfIOZEUr44kGR/OsZpIDwfFClyvPjd4=");
  // Only the first line counts, and a CR left on it is part of the argument, as in Atlas's regexp.
  for (const char* counted : {"SELECT 1;\n-- atlas:sum ignore\n", "-- atlas:sum ignore\r\n",
                              "-- atlas:summary ignore\n", "\t-- atlas:sum ignore\n"}) {
    const auto hashed = chain({{"1_a.sql", counted}}, {});
    EXPECT_TRUE(hashed.checksums[0].has_value()) << counted;
  }
}

TEST(AtlasChecksum, AnOutOfDateOrMissingAtlasSumIsAProblemOfTheSource) {
  auto result =
      chain({{"1_a.sql", kA}, {"2_b.sql", "CREATE TABLE b (id bigint);\n"}}, sum_file_ab());
  ASSERT_EQ(result.problems.size(), 1U);
  EXPECT_NE(result.problems[0].find("2_b.sql edited"), std::string::npos) << result.problems[0];
  result = chain({{"1_a.sql", kA}}, sum_file_ab());
  ASSERT_EQ(result.problems.size(), 1U);
  EXPECT_NE(result.problems[0].find("2_b.sql removed"), std::string::npos) << result.problems[0];
  result = chain({{"1_a.sql", kA}, {"2_b.sql", kB}, {"3_c.sql", kB}}, sum_file_ab());
  ASSERT_EQ(result.problems.size(), 1U);
  EXPECT_NE(result.problems[0].find("3_c.sql added"), std::string::npos) << result.problems[0];
  result = chain({{"1_a.sql", kA}}, std::nullopt);
  ASSERT_EQ(result.problems.size(), 1U);
  EXPECT_NE(result.problems[0].find("atlas.sum missing"), std::string::npos);
  result = chain({{"1_a.sql", kA}, {"2_b.sql", kB}}, "h1:AAAA\n1_a.sql h1:" + std::string(kHashA));
  ASSERT_EQ(result.problems.size(), 1U);
  EXPECT_NE(result.problems[0].find("corrupt"), std::string::npos);
  // CRLF line endings in atlas.sum are read as Atlas's line scanner reads them.
  std::string crlf = sum_file_ab();
  for (auto at = crlf.find('\n'); at != std::string::npos; at = crlf.find('\n', at + 2))
    crlf.replace(at, 1, "\r\n");
  EXPECT_TRUE(chain({{"1_a.sql", kA}, {"2_b.sql", kB}}, crlf).problems.empty());
}

TEST(AtlasComparison, TheStoredHashIsComparedWithTheFilesChainedHash) {
  mexp::SourceSnapshot sources;
  sources.up = true;
  const auto hashes =
      chain({{"1_a.sql", kA}, {"2_b.sql", "CREATE TABLE b (id bigint);\n"}, {"3_c.sql", kB}}, {});
  sources.files = {
      {"1_a.sql", *atlas().parse("1_a.sql", {}).migration, hashes.checksums[0], "", {}},
      {"2_b.sql", *atlas().parse("2_b.sql", {}).migration, hashes.checksums[1], "", {}},
      {"3_c.sql", *atlas().parse("3_c.sql", {}).migration, hashes.checksums[2], "", {}}};
  const std::vector<mexp::AppliedMigration> history = {
      {"apply", "1", "a", "2", "", kHashA, true, 1},
      {"apply", "2", "b", "2", "", kHashAB, true, 2}};
  const auto result = mexp::compare_migrations(atlas(), sources, history);
  EXPECT_EQ(result.checksum_mismatch, std::vector<std::string>{"2"});
  EXPECT_EQ(result.pending, std::vector<std::string>{"3"});
  EXPECT_EQ(result.current_version, "2");
}

TEST(AtlasScan, AnUnchangedDirectoryIsNotReadAgainAndAnyChangeRereadsTheChain) {
  char pattern[] = "/tmp/me_atlas_scan_XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  const std::filesystem::path dir = pattern;
  const auto write = [&](const std::string& name, const std::string& content) {
    std::ofstream(dir / name, std::ios::binary) << content;
  };
  write("1_a.sql", kA);
  write("2_b.sql", kB);
  write("atlas.sum", sum_file_ab());
  write("README.md", "not a migration\n");
  mexp::SourceScanner scanner;
  auto snapshot = scanner.scan(dir.string(), atlas(), {});
  ASSERT_TRUE(snapshot.up) << snapshot.error;
  ASSERT_EQ(snapshot.files.size(), 2U);
  EXPECT_EQ(snapshot.files[0].checksum, kHashA);
  EXPECT_EQ(snapshot.files[1].checksum, kHashAB);
  EXPECT_TRUE(snapshot.malformed.empty());
  EXPECT_EQ(snapshot.files_hashed, 2U);
  snapshot = scanner.scan(dir.string(), atlas(), {});
  EXPECT_EQ(snapshot.files_hashed, 0U);
  EXPECT_EQ(snapshot.files[1].checksum, kHashAB);
  // A new file sorted last: every file is read again, and atlas.sum is now out of date.
  write("3_c.sql", kB);
  snapshot = scanner.scan(dir.string(), atlas(), {});
  EXPECT_EQ(snapshot.files_hashed, 3U);
  ASSERT_EQ(snapshot.malformed.size(), 1U);
  EXPECT_EQ(snapshot.malformed[0].first, "atlas.sum");
  EXPECT_EQ(snapshot.files[1].checksum, kHashAB);
  std::filesystem::remove_all(dir);
}

TEST(AtlasScan, TwoFilesOfOneVersionAreReportedAndTheLastCarriesTheVersionsHash) {
  // Atlas runs both and upserts one revision row per version: the row ends up the last file's,
  // whose hash still covers the first file.
  char pattern[] = "/tmp/me_atlas_dup_XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  const std::filesystem::path dir = pattern;
  const auto write = [&](const std::string& name, const std::string& content) {
    std::ofstream(dir / name, std::ios::binary) << content;
  };
  write("1_a.sql", kA);
  write("1_b.sql", kB);
  mexp::SourceScanner scanner;
  const auto snapshot = scanner.scan(dir.string(), atlas(), {});
  ASSERT_TRUE(snapshot.up) << snapshot.error;
  ASSERT_EQ(snapshot.files.size(), 1U);
  EXPECT_EQ(snapshot.files[0].path, "1_b.sql");
  // { printf 1_a.sql; printf "$kA"; printf 1_b.sql; printf "$kB"; } | sha256sum | xxd -r -p |
  // base64
  EXPECT_EQ(snapshot.files[0].checksum, "8+yDFWKu9i8QmGdAFBnay1zbs37SPG41qbsgNI5/iYE=");
  const auto duplicate = std::find_if(snapshot.malformed.begin(), snapshot.malformed.end(),
                                      [](const auto& entry) { return entry.first == "1_a.sql"; });
  ASSERT_NE(duplicate, snapshot.malformed.end());
  EXPECT_NE(duplicate->second.find("1_b.sql"), std::string::npos);
  std::filesystem::remove_all(dir);
}
