// Confiture's source reader: `<version>_<name>.py` and `.up.sql` files of the directory itself,
// `.down.sql` their rollbacks, other `.sql` files reported as orphans, versions sorted as text, and
// the SHA-256 hex of the file as the checksum (values from `sha256sum`).
#include <gtest/gtest.h>

#include <string>

#include "sources/checksums.h"
#include "sources/source_tool.h"

namespace {

const mexp::SourceTool& confiture() {
  const auto* tool = mexp::find_source_tool("confiture");
  if (tool == nullptr) throw std::runtime_error("confiture source tool not registered");
  return *tool;
}

}  // namespace

TEST(ConfitureNames, PythonAndUpSqlFilesAreMigrations) {
  auto parsed = confiture().parse("001_create_users.py", {});
  ASSERT_TRUE(parsed.migration);
  EXPECT_EQ(parsed.migration->identity, "001");
  EXPECT_EQ(parsed.migration->description, "create_users");
  EXPECT_EQ(parsed.migration->kind, mexp::SourceKind::versioned);
  parsed = confiture().parse("002_add_orders.up.sql", {});
  ASSERT_TRUE(parsed.migration);
  EXPECT_EQ(parsed.migration->identity, "002");
  EXPECT_EQ(parsed.migration->description, "add_orders");
  parsed = confiture().parse("002_add_orders.down.sql", {});
  ASSERT_TRUE(parsed.migration);
  EXPECT_EQ(parsed.migration->kind, mexp::SourceKind::undo);
  for (const char* ignored : {"__init__.py", "_helpers.py", "README.md", "sub/003_x.up.sql"}) {
    parsed = confiture().parse(ignored, {});
    EXPECT_FALSE(parsed.migration) << ignored;
    EXPECT_TRUE(parsed.malformed.empty()) << ignored;
  }
  parsed = confiture().parse("003_orphan.sql", {});
  EXPECT_FALSE(parsed.migration);
  EXPECT_FALSE(parsed.malformed.empty());
}

TEST(ConfitureNames, VersionsSortAsText) {
  EXPECT_LT(confiture().compare_versions("001", "002"), 0);
  EXPECT_LT(confiture().compare_versions("010", "9"), 0);
}

TEST(ConfitureChecksum, IsTheSha256HexOfTheFile) {
  EXPECT_EQ(confiture().checksum, mexp::SourceChecksum::sha256_hex);
  EXPECT_EQ(mexp::source_checksum(confiture().checksum, "class M: pass\n"),
            "1564632ccdfd65506e71b3e0166cf488b08091699501f90eb8ffb0539c2c97fd");
}
