// dbmate's source reader: every .sql file whose name starts with digits is a migration, its
// version the digits exactly as written (dbmate compares them as text with the history's).
#include <gtest/gtest.h>

#include "sources/comparison.h"

namespace {

using Strings = std::vector<std::string>;

const mexp::SourceTool& dbmate() {
  const auto* tool = mexp::find_source_tool("dbmate");
  if (tool == nullptr) throw std::runtime_error("dbmate source tool not registered");
  return *tool;
}

mexp::SourceName parse(std::string_view path) { return dbmate().parse(path, {}); }

mexp::AppliedMigration applied(const std::string& version, long long ordinal) {
  return {"apply", version, "", "", "", std::nullopt, true, ordinal};
}

}  // namespace

TEST(DbmateNames, SqlFilesStartingWithDigitsAreMigrations) {
  auto parsed = parse("20240105120000_create_users.sql");
  ASSERT_TRUE(parsed.migration);
  EXPECT_EQ(parsed.migration->identity, "20240105120000");
  EXPECT_EQ(parsed.migration->description, "create_users");
  // dbmate's pattern is ^(\d+).*\.sql$: no separator is needed, and zeros stay as written.
  EXPECT_EQ(parse("7.sql").migration->identity, "7");
  EXPECT_EQ(parse("0001-init.sql").migration->identity, "0001");
  EXPECT_EQ(parse("42abc.sql").migration->identity, "42");
}

TEST(DbmateNames, OtherFilesAreNotMigrationsAndNoNameIsMalformed) {
  for (const char* ignored :
       {"schema.sql", "README.md", "20240105_init.sql.bak", "v1_init.sql", "sub/1_nested.sql"}) {
    const auto parsed = parse(ignored);
    EXPECT_FALSE(parsed.migration) << ignored;
    EXPECT_TRUE(parsed.malformed.empty()) << ignored;
  }
}

TEST(DbmateVersions, CompareAsNumbers) {
  const auto& compare = dbmate().compare_versions;
  EXPECT_LT(compare("9", "10"), 0);
  EXPECT_LT(compare("20240105120000", "20240105120001"), 0);
}

TEST(DbmateHistory, OneRowPerAppliedVersionComparedAsWritten) {
  mexp::SourceSnapshot sources;
  sources.up = true;
  for (const char* name : {"1_a.sql", "2_b.sql", "0003_c.sql"})
    sources.files.push_back({name, *parse(name).migration, {}, "", {}});
  const auto result =
      mexp::compare_migrations(dbmate(), sources, {applied("1", 1), applied("3", 2)});
  EXPECT_EQ(result.pending, (Strings{"2", "0003"}))
      << "\"0003\" is not the applied \"3\" to dbmate";
  EXPECT_EQ(result.missing_source, (Strings{"3"}));
  EXPECT_TRUE(result.out_of_order.empty());
}
