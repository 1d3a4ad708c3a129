// golang-migrate's migration files ({version}_{title}.up.{ext}, .down. ones are their undo), read
// against its one-row schema_migrations(version, dirty).
//
// golang-migrate reads only the directory it is given (no subdirectories) and silently skips every
// name its pattern `^([0-9]+)_(.*)\.(down|up)\.(.*)$` does not match or whose version overflows an
// unsigned 64-bit number, so nothing here is malformed: such files are ignored as the tool ignores
// them. The history keeps no list, only the current version: every file at or below it has been
// applied (golang-migrate steps through them in order), the ones above are pending. A dirty row is
// the migration to that version failing (or running): it is reported as failed, the versions below
// it as applied.
#include <algorithm>

#include "sources/source_tool.h"

namespace mexp {
namespace {

// The numeric prefix as golang-migrate's strconv.ParseUint reads it ("0007" is 7), or "" when it
// does not fit in 64 bits (golang-migrate skips such a file).
std::string canonical_version(std::string_view digits) {
  digits.remove_prefix(std::min(digits.find_first_not_of('0'), digits.size()));
  if (digits.empty()) return "0";
  constexpr std::string_view kMax = "18446744073709551615";
  if (digits.size() > kMax.size() || (digits.size() == kMax.size() && digits > kMax)) return "";
  return std::string(digits);
}

SourceName parse_golang_migrate(std::string_view relative_path, const SourceNaming&) {
  if (relative_path.find('/') != std::string_view::npos) return {};  // not read by the tool
  const std::string_view file = relative_path;
  const auto digits_end = std::min(file.find_first_not_of("0123456789"), file.size());
  if (digits_end == 0 || digits_end == file.size() || file[digits_end] != '_') return {};
  const std::string_view rest = file.substr(digits_end + 1);
  // The pattern's title is greedy: the direction is the last ".up." or ".down." in the name.
  const auto up = rest.rfind(".up.");
  const auto down = rest.rfind(".down.");
  if (up == std::string_view::npos && down == std::string_view::npos) return {};
  const bool is_up = down == std::string_view::npos || (up != std::string_view::npos && up > down);
  const std::string version = canonical_version(file.substr(0, digits_end));
  if (version.empty()) return {};
  SourceMigration migration;
  migration.kind = is_up ? SourceKind::versioned : SourceKind::undo;
  migration.version = version;
  migration.identity = version;
  migration.description = std::string(rest.substr(0, is_up ? up : down));
  return {migration, ""};
}

// The clean row is read as a baseline: every version up to it counts as applied, and a missing
// file for the version itself is still missing. A dirty row is a failed apply of its version, with
// a synthetic baseline one below it (versions are integers), which needs no file of its own.
constexpr const char* kAppliedSql =
    "SELECT CASE WHEN dirty THEN 'apply' ELSE 'baseline' END, version::text, ''::text, "
    "CASE WHEN dirty THEN 'dirty' ELSE 'clean' END, ''::text, NULL::text, NOT dirty, 2::bigint "
    "FROM {table} "
    "UNION ALL SELECT 'baseline', (version - 1)::text, '', 'below dirty', '', NULL, true, "
    "1::bigint FROM {table} WHERE dirty AND version >= 1";

const bool registered = register_source_tool({
    .name = "golang-migrate",
    .checksum = SourceChecksum::none,
    .parse = parse_golang_migrate,
    .compare_versions = compare_dotted_versions,
    .applied_sql = kAppliedSql,
    .synthetic =
        [](const AppliedMigration& row) {
          return row.kind == "marker" || row.type == "below dirty";
        },
});

}  // namespace
}  // namespace mexp
