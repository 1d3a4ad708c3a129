// dbmate's migration files ({version}_{name}.sql, up and down in one file), read against its
// schema_migrations(version), one row per applied migration.
//
// dbmate lists the migrations directory itself (no subdirectories) and takes every file matching
// `^(\d+).*\.sql$`; the version is the leading digits exactly as written, compared as text with
// the history's version (a file "0001_x.sql" and a row "1" are different migrations to dbmate),
// so they are kept as written. Any other name is not a migration to dbmate: nothing is malformed.
#include <algorithm>

#include "sources/source_tool.h"

namespace mexp {
namespace {

SourceName parse_dbmate(std::string_view relative_path, const SourceNaming&) {
  if (relative_path.find('/') != std::string_view::npos) return {};  // not read by the tool
  const std::string_view file = relative_path;
  if (!file.ends_with(".sql")) return {};
  const auto digits_end = std::min(file.find_first_not_of("0123456789"), file.size());
  if (digits_end == 0) return {};
  SourceMigration migration;
  migration.kind = SourceKind::versioned;
  migration.version = std::string(file.substr(0, digits_end));
  migration.identity = migration.version;
  std::string_view name = file.substr(digits_end, file.size() - digits_end - 4);
  if (name.starts_with('_')) name.remove_prefix(1);
  migration.description = std::string(name);
  return {migration, ""};
}

const bool registered = register_source_tool({
    .name = "dbmate",
    .checksum = SourceChecksum::none,
    .parse = parse_dbmate,
    .compare_versions = compare_dotted_versions,
    // No order of application is recorded: rows are ordered by version (as numbers, for digits),
    // so that none is ever out of order.
    .applied_sql = "SELECT 'apply', version::text, ''::text, ''::text, ''::text, NULL::text, true, "
                   "row_number() OVER (ORDER BY length(ltrim(version, '0')), ltrim(version, '0'), "
                   "version) FROM {table}",
});

}  // namespace
}  // namespace mexp
