// Knex's migration files (every file in the migrations directory with one of Knex's default
// loadExtensions), read against knex_migrations(name), one row per applied file.
//
// Knex lists the migrations directory itself (no subdirectories) and keeps the names whose
// extension (the part after the last '.') is one of its defaults; the identity is the file name
// with its extension, as knex_migrations.name stores it. Knex runs files in file-name order, so
// names are ordered as text. Knex rejects no name: nothing is malformed. An applied name with no
// file is what Knex refuses to run on ("the migration directory is corrupt").
#include <array>

#include "sources/source_tool.h"

namespace mexp {
namespace {

// Knex's DEFAULT_LOAD_EXTENSIONS (lib/migrations/common/MigrationsLoader.js).
constexpr std::array<std::string_view, 9> kLoadExtensions = {
    ".co", ".coffee", ".eg", ".iced", ".js", ".cjs", ".litcoffee", ".ls", ".ts"};

SourceName parse_knex(std::string_view relative_path, const SourceNaming&) {
  if (relative_path.find('/') != std::string_view::npos) return {};  // not read by the tool
  const std::string_view file = relative_path;
  // node's path.extname: from the last '.', unless that '.' starts the name.
  const auto dot = file.find_last_of('.');
  if (dot == std::string_view::npos || dot == 0) return {};
  const std::string_view extension = file.substr(dot);
  bool loaded = false;
  for (const auto known : kLoadExtensions) loaded = loaded || extension == known;
  if (!loaded) return {};
  SourceMigration migration;
  migration.kind = SourceKind::versioned;
  migration.identity = std::string(file);
  migration.version = migration.identity;
  migration.description = std::string(file.substr(0, dot));
  return {migration, ""};
}

const bool registered = register_source_tool({
    .name = "knex",
    .checksum = SourceChecksum::none,
    .parse = parse_knex,
    .compare_versions = compare_as_text,
    // Every row is a successful apply (a failed batch leaves none, rollback deletes); ids give the
    // order of application. Its columns may be NULL (Knex creates them without NOT NULL).
    .applied_sql = "SELECT 'apply', name::text, ''::text, coalesce('batch ' || batch, ''), "
                   "''::text, NULL::text, true, id::bigint FROM {table} WHERE name IS NOT NULL",
});

}  // namespace
}  // namespace mexp
