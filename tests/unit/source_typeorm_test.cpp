// TypeORM's source reader: a migration is named by the `name` property its class sets, else by the
// class name, else by the `<timestamp>-<name>` file name convention; the timestamp TypeORM parses
// from the name's last 13 characters orders them, and a name without one is rejected. Read
// through the scanner, the class is read from the file and read again only when the file changed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "sources/comparison.h"
#include "sources/source_scan.h"

namespace fs = std::filesystem;

namespace {

using Strings = std::vector<std::string>;

const mexp::SourceTool& typeorm() {
  const auto* tool = mexp::find_source_tool("typeorm");
  if (tool == nullptr) throw std::runtime_error("typeorm source tool not registered");
  return *tool;
}

// What the reader makes of a file with this name and content.
mexp::SourceName read(std::string_view path, std::string_view content) {
  const auto parsed = typeorm().parse(path, {});
  if (!parsed.migration) return parsed;
  return typeorm().read_identity(*parsed.migration, content);
}

std::string identity(std::string_view path, std::string_view content) {
  const auto named = read(path, content);
  return named.migration ? named.migration->identity : "malformed: " + named.malformed;
}

// migration:create's TypeScript template for `migration:create src/migrations/add-users`.
constexpr std::string_view kCreated =
    "import { MigrationInterface, QueryRunner } from \"typeorm\";\n\n"
    "export class AddUsers1700000000000 implements MigrationInterface {\n\n"
    "    public async up(queryRunner: QueryRunner): Promise<void> {\n    }\n}\n";

}  // namespace

TEST(TypeormNames, TheClassDeclaredInTheFileNamesTheMigration) {
  EXPECT_EQ(identity("1700000000000-add-users.ts", kCreated), "AddUsers1700000000000");
  // The class wins over the file name when the two disagree (TypeORM never reads the file name).
  EXPECT_EQ(identity("1700000000000-whatever.ts", kCreated), "AddUsers1700000000000");
  // Of several classes, the one implementing MigrationInterface.
  EXPECT_EQ(identity("x.ts",
                     "class Helper {}\nexport class Seed1700000000001 implements "
                     "MigrationInterface {}\n"),
            "Seed1700000000001");
}

TEST(TypeormNames, ANamePropertyOverridesTheClassName) {
  // migration:generate writes `name = '...'`; TypeORM records `migration.name ?? constructor.name`.
  EXPECT_EQ(identity("1700000000002-orders.ts",
                     "export class Orders1700000000002 implements MigrationInterface {\n"
                     "    name = 'RenamedOrders1700000000009'\n"
                     "    public async up(q) { await q.query(`SELECT name = 'x'`); }\n}\n"),
            "RenamedOrders1700000000009");
  // Compiled JavaScript sets it in the constructor.
  EXPECT_EQ(identity("1700000000002-orders.js",
                     "class Orders1700000000002 {\n  constructor() {\n"
                     "    this.name = \"Orders1700000000002\";\n  }\n}\n"
                     "exports.Orders1700000000002 = Orders1700000000002;\n"),
            "Orders1700000000002");
  // A local variable called name is not the property.
  EXPECT_EQ(identity("a.ts",
                     "export class A1700000000003 implements MigrationInterface {\n"
                     "  async up() { const name = 'users'; }\n}\n"),
            "A1700000000003");
}

TEST(TypeormNames, WithoutAClassTheFileNameConventionNamesIt) {
  // migration:create's camelCase(name, true): separators removed, the next letter upper-cased.
  EXPECT_EQ(identity("1700000000000-add-users_table.js", "module.exports = require('./x');\n"),
            "AddUsersTable1700000000000");
  EXPECT_EQ(identity("sub/1700000000000-Init.ts", ""), "Init1700000000000");
}

TEST(TypeormNames, NamesTypeormRefusesAreMalformed) {
  EXPECT_EQ(identity("init.ts", "export class Init implements MigrationInterface {}\n"),
            "malformed: 'Init' does not end in a JavaScript timestamp: TypeORM refuses it");
  EXPECT_TRUE(read("zero.ts", "export class Zero0000000000000 {}\n").malformed.size() > 0);
}

TEST(TypeormNames, OtherFilesAreNotMigrations) {
  // A helper module: no class, and not named <timestamp>-<name>.
  const auto helper = read("helpers.ts", "export const tableName = 'users';\n");
  EXPECT_FALSE(helper.migration);
  EXPECT_TRUE(helper.malformed.empty());
  for (const char* ignored : {"index.d.ts", "README.md", "1700000000000-a.ts.map", "a.sql"}) {
    const auto parsed = typeorm().parse(ignored, {});
    EXPECT_FALSE(parsed.migration) << ignored;
    EXPECT_TRUE(parsed.malformed.empty()) << ignored;
  }
}

TEST(TypeormVersions, MigrationsOrderByTheirTimestampNotByName) {
  const auto& compare = typeorm().compare_versions;
  EXPECT_LT(compare("Zebra1700000000000", "Apple1700000000001"), 0);
  EXPECT_LT(compare("Short900000000000", "Long1700000000000"), 0) << "12 digits sort first";
  EXPECT_EQ(compare("A1700000000000", "A1700000000000"), 0);
}

TEST(TypeormHistory, RowsAreMatchedByClassName) {
  mexp::SourceSnapshot sources;
  sources.up = true;
  for (const char* name : {"Zebra1700000000000", "Apple1700000000002"})
    sources.files.push_back({name, {mexp::SourceKind::versioned, name, name, ""}, {}, "", {}});
  const std::vector<mexp::AppliedMigration> history = {
      {"apply", "Zebra1700000000000", "", "1700000000000", "", std::nullopt, true, 1},
      {"apply", "Gone1700000000001", "", "1700000000001", "", std::nullopt, true, 2}};
  const auto result = mexp::compare_migrations(typeorm(), sources, history);
  EXPECT_EQ(result.pending, (Strings{"Apple1700000000002"}));
  EXPECT_EQ(result.missing_source, (Strings{"Gone1700000000001"}));
  EXPECT_EQ(result.newest_source_version, "Apple1700000000002");
}

TEST(TypeormScan, TheClassIsReadFromTheFileAndAgainOnlyWhenItChanges) {
  char pattern[] = "/tmp/me_typeorm_XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  const fs::path root = pattern;
  std::ofstream(root / "1700000000000-add-users.ts") << kCreated;
  std::ofstream(root / "notes.ts") << "export const notes = 1;\n";
  std::ofstream(root / "init.ts") << "export class Init implements MigrationInterface {}\n";
  mexp::SourceScanner scanner;
  auto snapshot = scanner.scan(root, typeorm(), {});
  ASSERT_TRUE(snapshot.up) << snapshot.error;
  ASSERT_EQ(snapshot.files.size(), 1u);
  EXPECT_EQ(snapshot.files[0].migration.identity, "AddUsers1700000000000");
  EXPECT_EQ(snapshot.malformed.size(), 1u);
  EXPECT_EQ(snapshot.files_hashed, 3u);
  snapshot = scanner.scan(root, typeorm(), {});
  EXPECT_EQ(snapshot.files_hashed, 0u);
  EXPECT_EQ(snapshot.files[0].migration.identity, "AddUsers1700000000000");
  std::ofstream(root / "1700000000000-add-users.ts")
      << "export class AddAccounts1700000000000 implements MigrationInterface {}\n";
  snapshot = scanner.scan(root, typeorm(), {});
  EXPECT_EQ(snapshot.files_hashed, 1u);
  EXPECT_EQ(snapshot.files[0].migration.identity, "AddAccounts1700000000000");
  fs::remove_all(root);
}

TEST(TypeormNames, AsTheRealTypeormRecordedThem) {
  // TypeORM 1.1.1's runMigrations over these files (migrations: ["migrations/**/*.js"]) wrote
  // migrations rows (1700000000000, CreateUsers1700000000000) and (1700000002000,
  // RenamedOrders1700000002000), and loaded nothing from helpers.js.
  EXPECT_EQ(identity("1700000000000-add-users.js",
                     "class CreateUsers1700000000000 {\n"
                     "  async up(q) { await q.query(\"CREATE TABLE u (id int)\"); }\n"
                     "  async down(q) {}\n}\nmodule.exports = { CreateUsers1700000000000 };\n"),
            "CreateUsers1700000000000");
  EXPECT_EQ(identity("1700000002000-orders.js",
                     "class Orders1700000002000 {\n"
                     "  constructor() { this.name = \"RenamedOrders1700000002000\"; }\n"
                     "  async up(q) { await q.query(\"CREATE TABLE o (id int)\"); }\n"
                     "  async down(q) {}\n}\nmodule.exports = { Orders1700000002000 };\n"),
            "RenamedOrders1700000002000");
  EXPECT_FALSE(read("helpers.js", "module.exports = { tableName: \"users\" };\n").migration);
}
