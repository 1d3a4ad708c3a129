// Sequelize's migration files, read as sequelize-cli 6 finds them (umzug's pattern
// /^(?!.*\.d\.ts$).*\.(cjs|js|cts|ts)$/, in the migrations directory itself, not below it): the
// history ("SequelizeMeta".name) records the file name with its extension. Files order by name,
// as umzug runs them. Every other file is ignored; sequelize-cli rejects no name.
#include "sources/source_tool.h"

namespace mexp {
namespace {

SourceName parse_sequelize(std::string_view relative_path, const SourceNaming&) {
  if (relative_path.find('/') != std::string_view::npos) return {};
  const std::string_view file = relative_path;
  if (file.ends_with(".d.ts")) return {};
  if (!file.ends_with(".js") && !file.ends_with(".cjs") && !file.ends_with(".ts") &&
      !file.ends_with(".cts"))
    return {};
  SourceMigration migration;
  migration.identity = std::string(file);
  migration.version = migration.identity;
  return {migration, ""};
}

const bool registered = register_source_tool({
    .name = "sequelize",
    .checksum = SourceChecksum::none,
    .parse = parse_sequelize,
    .compare_versions = compare_as_text,
    .applied_sql = "SELECT 'apply', name::text, ''::text, ''::text, ''::text, NULL::text, true, "
                   "row_number() OVER (ORDER BY name) FROM {table}",
});

}  // namespace
}  // namespace mexp
