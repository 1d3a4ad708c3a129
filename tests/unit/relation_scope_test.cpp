// Options of the tables and indexes collectors: defaults, the anchored patterns handed to SQL, and
// config errors.
#include "collectors/relation_scope.h"

#include <gtest/gtest.h>
#include <toml++/toml.h>

#include "core/collector.h"

namespace {
struct Read {
  mexp::RelationScope scope;
  mexp::ConfigErrors errors;
};
Read read(const std::string& text) {
  Read result;
  const toml::table options = toml::parse(text);
  mexp::CollectorOptions reader(&options, nullptr, "collectors.tables", "", "exporter.toml",
                                result.errors);
  result.scope = mexp::read_relation_scope(reader, "max_tables", 300);
  reader.report_unknown_keys();
  return result;
}
}  // namespace

TEST(RelationScopeOptions, DefaultsToEveryTableCappedAt300) {
  const auto result = read("");
  EXPECT_TRUE(result.errors.empty());
  const auto params = mexp::relation_scope_params(result.scope);
  ASSERT_EQ(params.size(), 5u);
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(params[i].has_value());
  EXPECT_EQ(params[4], "300");
}

TEST(RelationScopeOptions, PatternListsBecomeOneAnchoredAlternation) {
  const auto result = read("include_schemas = ['app', 'billing_.*']\nmax_tables = 0\n");
  EXPECT_TRUE(result.errors.empty()) << result.errors.joined();
  EXPECT_EQ(result.scope.include_schemas, "^(?:(?:app)|(?:billing_.*))$");
  EXPECT_EQ(result.scope.limit, 0);
}

TEST(RelationScopeOptions, BadValuesAndUnknownKeysAreConfigErrors) {
  const auto result =
      read("max_tables = -1\nexclude_tables = 'tmp'\ninclude_tables = ['']\nmax = 3\n");
  ASSERT_EQ(result.errors.list().size(), 4u) << result.errors.joined();
  const auto joined = result.errors.joined();
  EXPECT_NE(joined.find("collectors.tables.max_tables"), std::string::npos);
  EXPECT_NE(joined.find("collectors.tables.exclude_tables"), std::string::npos);
  EXPECT_NE(joined.find("collectors.tables.include_tables"), std::string::npos);
  EXPECT_NE(joined.find("collectors.tables.max"), std::string::npos);
}

TEST(CollectorRegistry, TablesIndexesAndReplicationAreRegistered) {
  for (const char* name : {"tables", "indexes", "replication"}) {
    const auto* info = mexp::find_collector(name);
    ASSERT_NE(info, nullptr) << name;
    EXPECT_TRUE(info->enabled_by_default) << name;
  }
}
