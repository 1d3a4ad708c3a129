// Confiture's migrations directory (db/migrations), read as Confiture discovers it (fraiseql/
// confiture python/confiture/core/_migrator/discovery.py, find_migration_files and
// find_orphaned_sql_files): `*.py` files directly in the directory (not `__init__.py` nor names
// starting with '_') and `*.up.sql` files; `*.down.sql` are rollback scripts; any other `*.sql` is
// an orphan Confiture warns about and never runs (reported). The version is the name up to the
// first '_' (`_version_from_migration_filename`), the history's tb_confiture.version, and versions
// sort as text, as Confiture sorts them. The checksum is the SHA-256 hex of the file's bytes
// (core/checksum.py compute_checksum, recorded by _migrator/apply.py); a NULL checksum is not
// compared.
#include "sources/source_tool.h"

namespace mexp {
namespace {

SourceName parse_confiture(std::string_view relative_path, const SourceNaming&) {
  if (relative_path.find('/') != std::string_view::npos) return {};  // the directory only
  std::string_view stem = relative_path;
  SourceKind kind = SourceKind::versioned;
  if (stem.ends_with(".py")) {
    if (stem.starts_with("_")) return {};  // __init__.py and private modules
    stem.remove_suffix(3);
  } else if (stem.ends_with(".up.sql")) {
    stem.remove_suffix(7);
  } else if (stem.ends_with(".down.sql")) {
    stem.remove_suffix(9);
    kind = SourceKind::undo;
  } else if (stem.ends_with(".sql")) {
    return {std::nullopt,
            "neither .up.sql nor .down.sql: Confiture never runs it (rename it <version>_<name>"
            ".up.sql)"};
  } else {
    return {};
  }
  const auto underscore = stem.find('_');
  SourceMigration migration;
  migration.kind = kind;
  migration.version = std::string(stem.substr(0, underscore));
  migration.identity = migration.version;
  if (underscore != std::string_view::npos)
    migration.description = std::string(stem.substr(underscore + 1));
  return {migration, ""};
}

const bool registered = register_source_tool({
    .name = "confiture",
    .checksum = SourceChecksum::sha256_hex,
    .parse = parse_confiture,
    .compare_versions = compare_as_text,
    .applied_sql = "SELECT 'apply', version::text, name::text, ''::text, slug, checksum::text, "
                   "true, pk_confiture FROM {table}",
});

}  // namespace
}  // namespace mexp
