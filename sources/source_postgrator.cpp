// Postgrator's migration files, read as Postgrator 8 reads them: `<version>.<action>.<name>.sql`
// (or .js/.mjs/.cjs), split on '.'; the version a number (schemaversion.version), the action `do`
// (a migration) or `undo` (its revert script, not a migration), the name the third part. A name
// whose version is not a number is skipped, as Postgrator skips it. The checksum is the MD5 hex of
// the file as it is (Postgrator's `newline` setting, which rewrites line endings first, is not
// read); JS migrations have none, since Postgrator 8 records none for them.
#include <algorithm>

#include "sources/source_tool.h"

namespace mexp {
namespace {

std::string_view base_name(std::string_view path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool is_script(std::string_view file) { return file.ends_with(".sql"); }

bool is_js(std::string_view file) {
  return file.ends_with(".js") || file.ends_with(".mjs") || file.ends_with(".cjs");
}

SourceName parse_postgrator(std::string_view relative_path, const SourceNaming&) {
  std::string_view file = base_name(relative_path);
  if (!is_script(file) && !is_js(file)) return {};
  file.remove_suffix(file.size() - file.find_last_of('.'));
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const auto dot = file.find('.', start);
    parts.push_back(file.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  const std::string_view version = parts[0];
  if (version.empty() ||
      !std::all_of(version.begin(), version.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return {};  // Number() gives NaN: not a migration to Postgrator
  const auto digits = version.find_first_not_of('0');
  if (digits == std::string_view::npos)
    return {std::nullopt, "version 0 is Postgrator's initial state: it never runs"};
  const std::string_view action = parts.size() > 1 ? parts[1] : "";
  if (action != "do" && action != "undo") {
    return {std::nullopt, "action '" + std::string(action) +
                              "' is neither do nor undo: Postgrator never runs it"};
  }
  SourceMigration migration;
  migration.kind = action == "do" ? SourceKind::versioned : SourceKind::undo;
  migration.version = std::string(version.substr(digits));
  migration.identity = migration.version;
  if (parts.size() > 2) migration.description = std::string(parts[2]);
  return {migration, ""};
}

const bool registered = register_source_tool({
    .name = "postgrator",
    .checksum = SourceChecksum::md5_hex,
    .unchecksummed = [](std::string_view relative_path) { return is_js(relative_path); },
    .parse = parse_postgrator,
    .compare_versions = compare_dotted_versions,
    // The version 0 row is the table's initial state; an empty md5 (JS migrations, or a column
    // added by an older Postgrator with DEFAULT '') is not compared, as Postgrator skips it.
    .applied_sql = "SELECT CASE WHEN version = 0 THEN 'marker' ELSE 'apply' END, version::text, "
                   "coalesce(name, ''), ''::text, ''::text, NULLIF(md5, ''), true, "
                   "version::bigint FROM {table}",
});

}  // namespace
}  // namespace mexp
