// Flyway's migration files, read as Flyway resolves them: <prefix><version><separator>
// <description><suffix> with prefixes V (versioned), U (undo), B (baseline migration), R
// (repeatable, no version), all configurable; '_' in a version is a '.'; the description has
// '_' shown as ' '. Versioned rows are matched by version, repeatables by description. Java
// migrations (JDBC types) have no file here: unverifiable, never missing.
#include <algorithm>

#include "sources/source_tool.h"

namespace mexp {
namespace {

// "1_10.0" → "1.10": '_' is a '.', leading zeros and trailing ".0" parts do not make a new version.
std::string canonical_version(std::string_view version) {
  std::string text(version);
  std::replace(text.begin(), text.end(), '_', '.');
  std::string canonical;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto dot = text.find('.', start);
    if (dot == std::string::npos) dot = text.size();
    std::string part = text.substr(start, dot - start);
    const auto digit = part.find_first_not_of('0');
    part = digit == std::string::npos ? "0" : part.substr(digit);
    canonical += (canonical.empty() && start == 0 ? "" : ".") + part;
    start = dot + 1;
  }
  while (canonical.size() > 2 && canonical.ends_with(".0")) canonical.resize(canonical.size() - 2);
  return canonical;
}

bool valid_version(std::string_view version) {
  if (version.empty() || version.front() == '.' || version.back() == '.') return false;
  return std::all_of(version.begin(), version.end(),
                     [](char c) { return (c >= '0' && c <= '9') || c == '.' || c == '_'; });
}

SourceName parse_flyway(std::string_view relative_path, const SourceNaming& naming) {
  const auto slash = relative_path.find_last_of('/');
  const std::string_view file =
      slash == std::string_view::npos ? relative_path : relative_path.substr(slash + 1);
  const auto suffix = std::find_if(naming.suffixes.begin(), naming.suffixes.end(),
                                   [&](const std::string& s) { return file.ends_with(s); });
  if (suffix == naming.suffixes.end()) return {};
  struct Prefix {
    const std::string* text;
    SourceKind kind;
  };
  // Longest prefix first, so that a configured "VV" is not read as "V".
  std::vector<Prefix> prefixes = {{&naming.versioned_prefix, SourceKind::versioned},
                                  {&naming.undo_prefix, SourceKind::undo},
                                  {&naming.repeatable_prefix, SourceKind::repeatable},
                                  {&naming.baseline_prefix, SourceKind::baseline}};
  std::stable_sort(prefixes.begin(), prefixes.end(), [](const Prefix& a, const Prefix& b) {
    return a.text->size() > b.text->size();
  });
  for (const auto& prefix : prefixes) {
    const std::string& text = *prefix.text;
    if (text.empty() || !file.starts_with(text) || file.size() < text.size() + suffix->size())
      continue;
    const std::string_view rest =
        file.substr(text.size(), file.size() - text.size() - suffix->size());
    const auto separator = rest.find(naming.separator);
    if (separator == std::string_view::npos) {
      // V1.sql, R.sql: Flyway cannot tell version from description.
      return {std::nullopt, "no '" + naming.separator + "' separator after the prefix"};
    }
    SourceMigration migration;
    migration.kind = prefix.kind;
    migration.description = std::string(rest.substr(separator + naming.separator.size()));
    std::replace(migration.description.begin(), migration.description.end(), '_', ' ');
    const std::string_view version = rest.substr(0, separator);
    if (prefix.kind == SourceKind::repeatable) {
      if (!version.empty()) return {std::nullopt, "a repeatable migration has no version"};
      migration.identity = migration.description;
    } else {
      if (!valid_version(version))
        return {std::nullopt, "version '" + std::string(version) + "' is not dotted numbers"};
      migration.version = canonical_version(version);
      migration.identity = migration.version;
    }
    return {migration, ""};
  }
  return {};
}

const bool registered = register_source_tool({
    .name = "flyway",
    .checksum = SourceChecksum::flyway_crc32,
    .parse = parse_flyway,
    .compare_versions = compare_dotted_versions,
    .applied_sql =
        "SELECT CASE WHEN type = 'SCHEMA' THEN 'marker' WHEN type = 'DELETE' THEN 'delete' "
        "WHEN type = 'BASELINE' THEN 'baseline' WHEN left(type, 5) = 'UNDO_' THEN 'undo' "
        "ELSE 'apply' END, version, description, type, script, checksum::text, success, "
        "installed_rank::bigint FROM {table}",
    .identity_of =
        [](const AppliedMigration& row) {
          return row.version ? canonical_version(*row.version) : row.description;
        },
    .unverifiable =
        [](const AppliedMigration& row) {
          return row.type.find("JDBC") != std::string::npos || row.type == "CUSTOM";
        },
    .synthetic =
        [](const AppliedMigration& row) { return row.kind == "marker" || row.kind == "baseline"; },
});

}  // namespace
}  // namespace mexp
