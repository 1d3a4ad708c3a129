// Prisma Migrate's migration folders, read as Prisma lists them: every directory directly below
// the migrations directory is one migration, its script `<folder>/migration.sql`, its identity the
// folder name (`_prisma_migrations.migration_name`), ordered by name. migration_lock.toml and any
// other file are not migrations. The checksum is the SHA-256 hex of the script, matched as Prisma
// matches it (line endings converted either way also match; see checksums.h).
#include "collectors/history_tools.h"
#include "sources/source_tool.h"

namespace mexp {
namespace {

SourceName parse_prisma(std::string_view relative_path, const SourceNaming&) {
  const auto slash = relative_path.find('/');
  if (slash == std::string_view::npos || relative_path.substr(slash + 1) != "migration.sql")
    return {};
  SourceMigration migration;
  migration.identity = std::string(relative_path.substr(0, slash));
  migration.version = migration.identity;
  const auto name = migration.identity.find_first_not_of("0123456789");
  if (name != std::string::npos)
    migration.description = migration.identity.substr(name + (migration.identity[name] == '_'));
  return {migration, ""};
}

// A row left unfinished while Prisma's lock (72707369) is held and nothing is logged yet is the
// migration running now: not a failure (as the history collector reads it). A rolled-back row
// undid nothing that counts: the migration is pending again until a later row applies it.
const std::string kRunning = "(logs IS NULL AND " + history_advisory_lock_held_sql(72707369) + ")";

const bool registered = register_source_tool({
    .name = "prisma",
    .checksum = SourceChecksum::prisma_sha256,
    .parse = parse_prisma,
    .compare_versions = compare_as_text,
    .applied_sql = "SELECT CASE WHEN rolled_back_at IS NOT NULL THEN 'marker' "
                   "WHEN finished_at IS NULL AND " +
                   kRunning +
                   " THEN 'marker' ELSE 'apply' END, migration_name::text, "
                   "migration_name::text, CASE WHEN finished_at IS NULL THEN 'failed' "
                   "ELSE 'applied' END, migration_name::text, checksum::text, "
                   "finished_at IS NOT NULL, row_number() OVER (ORDER BY started_at, id) "
                   "FROM {table}",
});

}  // namespace
}  // namespace mexp
