// Laravel's migration files, read as its Migrator finds them (glob `<path>/*_*.php`, the
// directory itself, not below it): the history (migrations.migration) records the file name with
// ".php" removed. Files order by that name, as Laravel runs them. Every other file is ignored;
// Laravel rejects no name.
#include "sources/source_tool.h"

namespace mexp {
namespace {

SourceName parse_laravel(std::string_view relative_path, const SourceNaming&) {
  if (relative_path.find('/') != std::string_view::npos) return {};
  if (!relative_path.ends_with(".php")) return {};
  const std::string_view stem = relative_path.substr(0, relative_path.size() - 4);
  if (stem.find('_') == std::string_view::npos) return {};
  // getMigrationName: str_replace('.php', '', basename), every occurrence.
  std::string name(relative_path);
  for (auto at = name.find(".php"); at != std::string::npos; at = name.find(".php", at))
    name.erase(at, 4);
  SourceMigration migration;
  migration.identity = name;
  migration.version = name;
  return {migration, ""};
}

const bool registered = register_source_tool({
    .name = "laravel",
    .checksum = SourceChecksum::none,
    .parse = parse_laravel,
    .compare_versions = compare_as_text,
    .applied_sql = "SELECT 'apply', migration::text, ''::text, 'batch ' || batch, ''::text, "
                   "NULL::text, true, id::bigint FROM {table}",
});

}  // namespace
}  // namespace mexp
