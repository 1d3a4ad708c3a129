// TypeORM's migration files, read as TypeORM 1.x loads them (MigrationExecutor.getMigrations):
// every
// `.js`/`.mjs`/`.cjs`/`.ts`/`.mts`/`.cts` file below the directory (not `.d.ts`; TypeORM reads what
// its `migrations` glob matches, usually `migrations/**/*.ts`) holds a migration class. Its
// identity is what `migrations.name` records: the instance's `name` property when the class sets
// one (`name = 'AddUsers1700000000000'`, as migration:generate writes it), else the class name
// (`export class AddUsers1700000000000 implements MigrationInterface`), else the name the file's
// `<timestamp>-<name>` implies (migration:create's convention). The timestamp is what TypeORM
// parses from the last 13 characters of that name, and migrations order by it; a name it cannot
// parse one from is rejected, as TypeORM refuses to start on it; a file declaring no class and
// not named by the convention (a helper module) is not a migration. No checksum.
#include <algorithm>
#include <regex>

#include "sources/source_tool.h"

namespace mexp {
namespace {

bool loaded_extension(std::string_view file) {
  if (file.ends_with(".d.ts")) return false;
  for (const std::string_view extension : {".js", ".mjs", ".cjs", ".ts", ".mts", ".cts"})
    if (file.ends_with(extension)) return true;
  return false;
}

bool word_character(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// TypeORM's camelCase(name, true): a space, '-' or '_' followed by a word character becomes that
// character upper-cased, and the name starts after such a separator.
std::string pascal_case(std::string_view name) {
  const std::string text = " " + std::string(name);
  std::string result;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool separator = c == ' ' || c == '\t' || c == '\n' || c == '-' || c == '_';
    if (separator && i + 1 < text.size() && word_character(text[i + 1])) {
      const char next = text[++i];
      result += next >= 'a' && next <= 'z' ? static_cast<char>(next - 'a' + 'A') : next;
    } else {
      result += c;
    }
  }
  return result;
}

// parseInt(name.slice(-13), 10): leading white space and a sign, then the digits that follow;
// empty when there are none.
std::string timestamp_of(std::string_view name) {
  std::string_view tail = name.size() > 13 ? name.substr(name.size() - 13) : name;
  tail.remove_prefix(std::min(tail.find_first_not_of(" \t\n\r"), tail.size()));
  std::string sign;
  if (!tail.empty() && (tail.front() == '-' || tail.front() == '+')) {
    if (tail.front() == '-') sign = "-";
    tail.remove_prefix(1);
  }
  const auto digits = tail.substr(0, std::min(tail.find_first_not_of("0123456789"), tail.size()));
  return digits.empty() ? "" : sign + std::string(digits);
}

// Migrations order by their timestamps as numbers (every TypeORM timestamp fits in 13 digits),
// then by name.
int compare_typeorm(std::string_view a, std::string_view b) {
  const auto key = [](std::string_view name) {
    const std::string stamp = timestamp_of(name);
    return stamp.empty() ? 0.0 : std::stod(stamp);
  };
  const double x = key(a), y = key(b);
  if (x != y) return x < y ? -1 : 1;
  return compare_as_text(a, b);
}

SourceName parse_typeorm(std::string_view relative_path, const SourceNaming&) {
  const auto slash = relative_path.find_last_of('/');
  const std::string_view file =
      slash == std::string_view::npos ? relative_path : relative_path.substr(slash + 1);
  if (!loaded_extension(file)) return {};
  SourceMigration migration;
  // migration:create writes `<timestamp>-<name>.ts` holding class `<Name><timestamp>`.
  const std::string_view stem = file.substr(0, file.find('.'));
  const auto dash = stem.find('-');
  if (dash != std::string_view::npos && dash > 0 &&
      stem.substr(0, dash).find_first_not_of("0123456789") == std::string_view::npos &&
      dash + 1 < stem.size())
    migration.identity = pascal_case(stem.substr(dash + 1)) + std::string(stem.substr(0, dash));
  return {migration, ""};
}

SourceName read_typeorm_class(const SourceMigration& from_name, std::string_view content) {
  static const std::regex class_declaration(
      R"re(\bclass\s+([A-Za-z_$][\w$]*)(\s+extends\s+[\w$.]+)?(\s+implements\s+[^{]*)?\s*\{)re");
  static const std::regex name_property(
      R"re((?:^|[\n;{])[ \t]*(?:(?:public|readonly|override)\s+)*(?:this\.)?name\s*(?::\s*string\s*)?=\s*(['"`])([^'"`\n]*)\1)re");
  const std::string text(content);
  std::string class_name;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), class_declaration);
       it != std::sregex_iterator(); ++it) {
    const bool implements = (*it)[3].str().find("MigrationInterface") != std::string::npos;
    if (class_name.empty() || implements) class_name = (*it)[1].str();
    if (implements) break;
  }
  std::smatch property;
  SourceMigration migration = from_name;
  if (!class_name.empty() && std::regex_search(text, property, name_property)) {
    migration.identity = property[2].str();
  } else if (!class_name.empty()) {
    migration.identity = class_name;
  }
  // No class and no conventional name: a helper module, which loads no migration.
  if (migration.identity.empty()) return {};
  const std::string stamp = timestamp_of(migration.identity);
  if (stamp.empty() || stamp.find_first_not_of("0-") == std::string::npos)
    return {std::nullopt, "'" + migration.identity +
                              "' does not end in a JavaScript timestamp: TypeORM refuses it"};
  migration.version = migration.identity;
  migration.description = migration.identity.substr(
      0, migration.identity.size() - std::min<std::size_t>(13, migration.identity.size()));
  return {migration, ""};
}

const bool registered = register_source_tool({
    .name = "typeorm",
    .checksum = SourceChecksum::none,
    .parse = parse_typeorm,
    .compare_versions = compare_typeorm,
    // Every row is an applied migration (a failed run rolls back; migration:revert deletes it),
    // matched by name as TypeORM matches executed migrations.
    .applied_sql = "SELECT 'apply', name::text, ''::text, \"timestamp\"::text, ''::text, "
                   "NULL::text, true, id::bigint FROM {table}",
    .read_identity = read_typeorm_class,
});

}  // namespace
}  // namespace mexp
