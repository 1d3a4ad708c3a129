// Diesel's migration directories, read as diesel_migrations reads them: each directory directly
// in the migrations directory holding up.sql is one migration; its version
// (__diesel_schema_migrations.version) is the directory name up to the first '_' with every '-'
// removed (2024-01-05-120000_x → 20240105120000). down.sql, metadata.toml and other files are not
// migrations. Versions order as text, as Diesel's MigrationVersion does.
#include "sources/source_tool.h"

namespace mexp {
namespace {

SourceName parse_diesel(std::string_view relative_path, const SourceNaming&) {
  const auto slash = relative_path.find('/');
  if (slash == std::string_view::npos || relative_path.substr(slash + 1) != "up.sql") return {};
  const std::string_view folder = relative_path.substr(0, slash);
  const auto underscore = folder.find('_');
  std::string version;
  for (char c : folder.substr(0, underscore))
    if (c != '-') version += c;
  if (version.empty())
    return {std::nullopt, "no version before the first '_' of the directory name"};
  SourceMigration migration;
  migration.identity = version;
  migration.version = version;
  if (underscore != std::string_view::npos)
    migration.description = std::string(folder.substr(underscore + 1));
  return {migration, ""};
}

const bool registered = register_source_tool({
    .name = "diesel",
    .checksum = SourceChecksum::none,
    .parse = parse_diesel,
    .compare_versions = compare_as_text,
    .applied_sql = "SELECT 'apply', version::text, ''::text, ''::text, ''::text, NULL::text, "
                   "true, row_number() OVER (ORDER BY run_on, version) FROM {table}",
});

}  // namespace
}  // namespace mexp
