// Prisma Migrate's source reader: a migration is <folder>/migration.sql named by its folder; the
// checksum is the SHA-256 hex Prisma records (values from `sha256sum`, the unpadded one from
// Python's hashlib), and a file whose line endings git converted still matches, as in Prisma.
#include <gtest/gtest.h>

#include <string>

#include "sources/checksums.h"
#include "sources/comparison.h"
#include "sources/source_tool.h"

namespace {

const mexp::SourceTool& prisma() {
  const auto* tool = mexp::find_source_tool("prisma");
  if (tool == nullptr) throw std::runtime_error("prisma source tool not registered");
  return *tool;
}

// `printf 'SELECT 1;\n' | sha256sum`, and the same with CRLF.
constexpr const char* kLf = "b4e0497804e46e0a0b0b8c31975b062152d551bac49c3c2e80932567b4085dcd";
constexpr const char* kCrlf = "d3cd5042f97738960d802ad6b3a548dfa18152215118ba18f04493bc6944b0e4";
// kLf with each byte written without its leading zero ("{:x}"), as Prisma once stored it.
constexpr const char* kLfUnpadded = "b4e049784e46eabb8c31975b62152d551bac49c3c2e80932567b485dcd";

mexp::SourceFile file_of(const std::string& folder, const std::string& content) {
  mexp::SourceFile file;
  file.path = folder + "/migration.sql";
  file.migration = *prisma().parse(file.path, {}).migration;
  file.checksum = mexp::source_checksum(prisma().checksum, content);
  file.also_accepted = mexp::accepted_checksums(prisma().checksum, content);
  return file;
}

mexp::AppliedMigration row(const std::string& name, const std::string& checksum, long long at) {
  return {"apply", name, name, "applied", name, checksum, true, at};
}

}  // namespace

TEST(PrismaNames, AMigrationIsAFolderWithMigrationSql) {
  auto parsed = prisma().parse("20240105120000_init/migration.sql", {});
  ASSERT_TRUE(parsed.migration);
  EXPECT_EQ(parsed.migration->identity, "20240105120000_init");
  EXPECT_EQ(parsed.migration->version, "20240105120000_init");
  EXPECT_EQ(parsed.migration->description, "init");
  // Prisma takes any folder name.
  parsed = prisma().parse("add_users/migration.sql", {});
  ASSERT_TRUE(parsed.migration);
  EXPECT_EQ(parsed.migration->identity, "add_users");
}

TEST(PrismaNames, OtherFilesAreIgnored) {
  for (const char* ignored :
       {"migration_lock.toml", "migration.sql", "20240105120000_init/down.sql",
        "20240105120000_init/README.md", "a/b/migration.sql"}) {
    const auto parsed = prisma().parse(ignored, {});
    EXPECT_FALSE(parsed.migration) << ignored;
    EXPECT_TRUE(parsed.malformed.empty()) << ignored;
  }
}

TEST(PrismaNames, FoldersOrderByName) {
  const auto& compare = prisma().compare_versions;
  EXPECT_LT(compare("20240105120000_init", "20240106000000_add"), 0);
  EXPECT_GT(compare("20240105120000_init", "20240105120000"), 0);
  EXPECT_EQ(compare("20240105120000_init", "20240105120000_init"), 0);
}

TEST(PrismaChecksum, IsTheSha256HexOfTheScript) {
  EXPECT_EQ(prisma().checksum, mexp::SourceChecksum::prisma_sha256);
  EXPECT_EQ(mexp::source_checksum(prisma().checksum, "SELECT 1;\n"), kLf);
  EXPECT_EQ(mexp::source_checksum(prisma().checksum, "SELECT 1;\r\n"), kCrlf);
  // `printf '' | sha256sum`
  EXPECT_EQ(mexp::source_checksum(prisma().checksum, ""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(PrismaChecksum, LineEndingVariantsAndTheUnpaddedHexAreAccepted) {
  const auto lf = mexp::accepted_checksums(prisma().checksum, "SELECT 1;\n");
  EXPECT_NE(std::find(lf.begin(), lf.end(), kCrlf), lf.end());
  EXPECT_NE(std::find(lf.begin(), lf.end(), kLfUnpadded), lf.end());
  const auto crlf = mexp::accepted_checksums(prisma().checksum, "SELECT 1;\r\n");
  EXPECT_NE(std::find(crlf.begin(), crlf.end(), kLf), crlf.end());
  EXPECT_TRUE(mexp::accepted_checksums(mexp::SourceChecksum::sha256_hex, "SELECT 1;\n").empty());
}

TEST(PrismaComparison, ConvertedLineEndingsAreNoDriftButAnEditIs) {
  mexp::SourceSnapshot sources;
  sources.up = true;
  sources.files = {file_of("20240101000000_a", "SELECT 1;\r\n"),  // applied with LF
                   file_of("20240102000000_b", "SELECT 2;\n"),    // edited since
                   file_of("20240103000000_c", "SELECT 1;\n")};   // unpadded checksum recorded
  const std::vector<mexp::AppliedMigration> history = {row("20240101000000_a", kLf, 1),
                                                       row("20240102000000_b", kLf, 2),
                                                       row("20240103000000_c", kLfUnpadded, 3)};
  const auto result = mexp::compare_migrations(prisma(), sources, history);
  EXPECT_EQ(result.checksum_mismatch, std::vector<std::string>{"20240102000000_b"});
  EXPECT_TRUE(result.pending.empty());
  EXPECT_EQ(result.current_version, "20240103000000_c");
}

TEST(PrismaHistory, RowsAreComparedByFolderName) {
  EXPECT_EQ(prisma().identity_of(row("20240101000000_a", kLf, 1)), "20240101000000_a");
}
