// node-pg-migrate's migration files, read as node-pg-migrate 9 reads its migrations directory
// (without useGlob): every file directly in it is a migration (names starting with '.' are
// ignored), named by the file name without its extension (pgmigrations.name). A file with no
// numeric prefix makes node-pg-migrate fail ("Cannot determine numeric prefix"): reported. Files
// order by that prefix (17 digits are a UTC time, compared as milliseconds like a 13-digit
// timestamp prefix), then by name.
#include <algorithm>

#include "sources/source_tool.h"

namespace mexp {
namespace {

std::string_view numeric_prefix(std::string_view name) {
  return name.substr(0, std::min(name.find_first_not_of("0123456789"), name.size()));
}

long long days_from_civil(long long year, long long month, long long day) {
  year -= month <= 2;
  const long long era = (year >= 0 ? year : year - 399) / 400;
  const long long year_of_era = year - era * 400;
  const long long day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const long long day_of_era =
      year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

// The prefix as the number node-pg-migrate orders by, in decimal without leading zeros.
std::string order_key(std::string_view prefix) {
  if (prefix.size() == 17) {
    const auto part = [&](std::size_t at, std::size_t length) {
      return std::stoll(std::string(prefix.substr(at, length)));
    };
    const long long seconds = days_from_civil(part(0, 4), part(4, 2), part(6, 2)) * 86400 +
                              part(8, 2) * 3600 + part(10, 2) * 60 + part(12, 2);
    return std::to_string(seconds * 1000 + part(14, 3));
  }
  prefix.remove_prefix(std::min(prefix.find_first_not_of('0'), prefix.size()));
  return std::string(prefix);
}

int compare_node_pg_migrate(std::string_view a, std::string_view b) {
  const std::string x = order_key(numeric_prefix(a)), y = order_key(numeric_prefix(b));
  if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
  if (x != y) return x < y ? -1 : 1;
  return compare_as_text(a, b);
}

SourceName parse_node_pg_migrate(std::string_view relative_path, const SourceNaming&) {
  if (relative_path.find('/') != std::string_view::npos) return {};  // not in the directory
  const auto dot = relative_path.find_last_of('.');
  // Node's path.extname: a leading dot does not start an extension.
  const std::string_view name =
      dot == std::string_view::npos || dot == 0 ? relative_path : relative_path.substr(0, dot);
  if (numeric_prefix(name).empty())
    return {std::nullopt, "no numeric prefix: node-pg-migrate cannot order it and stops"};
  SourceMigration migration;
  migration.identity = std::string(name);
  migration.version = migration.identity;
  const auto rest = name.find_first_not_of("0123456789");
  if (rest != std::string_view::npos)
    migration.description = std::string(name.substr(rest + (name[rest] == '_')));
  return {migration, ""};
}

const bool registered = register_source_tool({
    .name = "node-pg-migrate",
    .checksum = SourceChecksum::none,
    .parse = parse_node_pg_migrate,
    .compare_versions = compare_node_pg_migrate,
    .applied_sql = "SELECT 'apply', name::text, ''::text, ''::text, ''::text, NULL::text, true, "
                   "id::bigint FROM {table}",
});

}  // namespace
}  // namespace mexp
