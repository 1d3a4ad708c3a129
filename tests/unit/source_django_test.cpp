// Django's source reader: each module of an app's migrations package is a migration named
// "app.name" (__init__.py, _private and ~backup modules are not), with no version order.
#include <gtest/gtest.h>

#include "sources/comparison.h"

namespace {

using Strings = std::vector<std::string>;

const mexp::SourceTool& django() {
  const auto* tool = mexp::find_source_tool("django");
  if (tool == nullptr) throw std::runtime_error("django source tool not registered");
  return *tool;
}

mexp::SourceName parse(std::string_view path) { return django().parse(path, {}); }

}  // namespace

TEST(DjangoNames, ModulesOfAnAppsMigrationsPackageAreMigrations) {
  auto parsed = parse("shop/migrations/0001_initial.py");
  ASSERT_TRUE(parsed.migration);
  EXPECT_EQ(parsed.migration->identity, "shop.0001_initial");
  EXPECT_EQ(parsed.migration->description, "0001_initial");
  EXPECT_TRUE(parsed.migration->version.empty()) << "a graph, not a version order";
  // The app label is the directory holding migrations, however deep; numbering is a convention.
  EXPECT_EQ(parse("src/apps/billing/migrations/0002_invoice_due.py").migration->identity,
            "billing.0002_invoice_due");
  EXPECT_EQ(parse("shop/migrations/add_index.py").migration->identity, "shop.add_index");
}

TEST(DjangoNames, PackageFilesAndOtherModulesAreNotMigrations) {
  for (const char* ignored :
       {"shop/migrations/__init__.py", "shop/migrations/_helpers.py", "shop/migrations/~0003.py",
        "shop/migrations/0003_x.backup.py", "shop/migrations/0001_initial.pyc",
        "shop/migrations/old/0001_initial.py", "migrations/0001_initial.py", "shop/models.py",
        "shop/migrations/README.md"}) {
    const auto parsed = parse(ignored);
    EXPECT_FALSE(parsed.migration) << ignored;
    EXPECT_TRUE(parsed.malformed.empty()) << ignored;
  }
}

TEST(DjangoHistory, RowsAreMatchedByAppAndName) {
  mexp::SourceSnapshot sources;
  sources.up = true;
  for (const char* name : {"auth/migrations/0001_initial.py", "shop/migrations/0001_initial.py",
                           "shop/migrations/0002_orders.py"})
    sources.files.push_back({name, *parse(name).migration, {}, "", {}});
  const std::vector<mexp::AppliedMigration> history = {
      {"apply", "shop.0001_initial", "", "", "", std::nullopt, true, 1},
      {"apply", "auth.0001_initial", "", "", "", std::nullopt, true, 2},
      {"apply", "shop.0003_dropped", "", "", "", std::nullopt, true, 3}};
  const auto result = mexp::compare_migrations(django(), sources, history);
  EXPECT_EQ(result.pending, (Strings{"shop.0002_orders"}));
  EXPECT_EQ(result.missing_source, (Strings{"shop.0003_dropped"}));
  EXPECT_TRUE(result.future.empty());
  EXPECT_TRUE(result.out_of_order.empty()) << "no order across apps";
  EXPECT_FALSE(result.newest_source_version);
}
