// Rails' (ActiveRecord's) migration files (db/migrate/{version}_{name}.rb), read against its
// schema_migrations(version), one row per applied migration.
//
// Rails globs `**/[0-9]*_*.rb` below the migrations path (subdirectories included) and requires
// each match to fit `\A([0-9]+)_([_a-z0-9]*)\.?([_a-z0-9]*)?\.rb\z` (an optional scope after a
// '.'), raising IllegalMigrationNameError otherwise: such names are malformed here, the rest are
// not migrations. Rails compares versions as integers (`to_i` on both sides), so leading zeros
// name the same version in the files and in the table.
#include <algorithm>

#include "sources/source_tool.h"

namespace mexp {
namespace {

bool rails_name_chars(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// "0042" → "42", as Ruby's to_i; text that is not all digits stays as written.
std::string canonical_version(std::string_view version) {
  if (version.empty() || version.find_first_not_of("0123456789") != std::string_view::npos)
    return std::string(version);
  version.remove_prefix(std::min(version.find_first_not_of('0'), version.size() - 1));
  return std::string(version);
}

SourceName parse_rails(std::string_view relative_path, const SourceNaming&) {
  const auto slash = relative_path.find_last_of('/');
  const std::string_view file =
      slash == std::string_view::npos ? relative_path : relative_path.substr(slash + 1);
  // The glob: a digit first, a '_' after it, ".rb" last.
  if (!file.ends_with(".rb") || file.empty() || file[0] < '0' || file[0] > '9') return {};
  const std::string_view stem = file.substr(0, file.size() - 3);
  const auto separator = stem.find('_');
  if (separator == std::string_view::npos) return {};
  const std::string_view digits = stem.substr(0, separator);
  std::string_view name = stem.substr(separator + 1);
  const auto dot = name.find('.');
  const std::string_view scope = dot == std::string_view::npos ? "" : name.substr(dot + 1);
  if (dot != std::string_view::npos) name = name.substr(0, dot);
  if (digits.find_first_not_of("0123456789") != std::string_view::npos || !rails_name_chars(name) ||
      !rails_name_chars(scope)) {
    return {std::nullopt,
            "illegal name for a Rails migration (only lower case letters, numbers and '_' "
            "after the version)"};
  }
  SourceMigration migration;
  migration.kind = SourceKind::versioned;
  migration.version = canonical_version(digits);
  migration.identity = migration.version;
  migration.description = std::string(name);
  return {migration, ""};
}

const bool registered = register_source_tool({
    .name = "rails",
    .checksum = SourceChecksum::none,
    .parse = parse_rails,
    .compare_versions = compare_dotted_versions,
    // No order of application is recorded: rows are ordered by version (as numbers, for digits),
    // so that none is ever out of order.
    .applied_sql = "SELECT 'apply', version::text, ''::text, ''::text, ''::text, NULL::text, true, "
                   "row_number() OVER (ORDER BY length(ltrim(version, '0')), ltrim(version, '0'), "
                   "version) FROM {table}",
    .identity_of =
        [](const AppliedMigration& row) { return canonical_version(row.version.value_or("")); },
});

}  // namespace
}  // namespace mexp
