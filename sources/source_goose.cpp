// goose's migration files ({version}_{name}.sql or .go), read against goose_db_version, where the
// latest row of a version_id decides whether it is applied.
//
// goose's CLI globs *.sql and *.go in the migrations directory itself (no subdirectories). A .sql
// file whose name does not parse (no '_', a prefix that is not an int64, a version below 1) makes
// goose refuse the whole directory: malformed here. A .go file that does not parse is a helper to
// goose, skipped, as are _test.go files. The version is the int64 (leading zeros dropped), as
// version_id stores it. A Go migration's file is in the directory even though goose runs the
// compiled one, so it is a migration like the SQL ones.
#include <algorithm>

#include "sources/source_tool.h"

namespace mexp {
namespace {

// goose's strconv.ParseInt(prefix, 10, 64), then "greater than zero": the version, or why not.
std::string parse_version(std::string_view prefix, std::string& version) {
  const bool negative = prefix.starts_with('-');
  if (prefix.starts_with('+') || negative) prefix.remove_prefix(1);
  if (prefix.empty() || prefix.find_first_not_of("0123456789") != std::string_view::npos)
    return "version '" + std::string(prefix) + "' before the '_' is not a number";
  prefix.remove_prefix(std::min(prefix.find_first_not_of('0'), prefix.size()));
  constexpr std::string_view kMax = "9223372036854775807";
  if (prefix.size() > kMax.size() || (prefix.size() == kMax.size() && prefix > kMax))
    return "version does not fit in a 64-bit integer";
  if (prefix.empty() || negative) return "migration version must be greater than zero";
  version = std::string(prefix);
  return "";
}

SourceName parse_goose(std::string_view relative_path, const SourceNaming&) {
  if (relative_path.find('/') != std::string_view::npos) return {};  // not read by the tool
  const std::string_view file = relative_path;
  const bool sql = file.ends_with(".sql");
  if (!sql && (!file.ends_with(".go") || file.ends_with("_test.go"))) return {};
  const auto separator = file.find('_');
  std::string version;
  const std::string problem = separator == std::string_view::npos
                                  ? "no filename separator '_' found"
                                  : parse_version(file.substr(0, separator), version);
  if (!problem.empty()) {
    if (!sql) return {};  // a helper .go file
    return {std::nullopt, problem};
  }
  SourceMigration migration;
  migration.kind = SourceKind::versioned;
  migration.version = version;
  migration.identity = version;
  migration.description =
      std::string(file.substr(separator + 1, file.size() - separator - 1 - (sql ? 4 : 3)));
  return {migration, ""};
}

const bool registered = register_source_tool({
    .name = "goose",
    .checksum = SourceChecksum::none,
    .parse = parse_goose,
    .compare_versions = compare_dotted_versions,
    // The version_id 0 row goose inserts with the table is bookkeeping; old goose's is_applied
    // false rows are downs, and the latest row (by id) of a version wins.
    .applied_sql =
        "SELECT CASE WHEN version_id = 0 THEN 'marker' WHEN is_applied THEN 'apply' ELSE 'undo' "
        "END, version_id::text, ''::text, CASE WHEN is_applied THEN 'up' ELSE 'down' END, "
        "''::text, NULL::text, true, id::bigint FROM {table}",
});

}  // namespace
}  // namespace mexp
