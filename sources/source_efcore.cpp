// Entity Framework Core's migrations directory, read as EF Core finds its migrations
// (MigrationsAssembly: every Migration class of the DbContext, keyed by its [Migration("<id>")]
// attribute, ordered by that id). `dotnet ef migrations add` writes `<id>.cs` (the Up/Down class)
// and `<id>.Designer.cs` (the same partial class, carrying the attribute), the id being
// `<yyyyMMddHHmmss>_<Name>`. So each `.cs` file below the directory that is neither a Designer
// file nor the model snapshot (`*ModelSnapshot.cs`) is a migration, named by the attribute in its
// Designer file (or in itself), else by its file name when that is an id; any other C# file (a
// helper class) is not a migration. The history ("__EFMigrationsHistory"."MigrationId") records
// that id. No checksum; ids order as text (the timestamp leads).
#include <regex>

#include "sources/source_tool.h"

namespace mexp {
namespace {

constexpr std::string_view kDesigner = ".Designer.cs";

// MigrationsIdGenerator.IsValidId: 14 digits, '_', a name.
bool is_migration_id(std::string_view text) {
  return text.size() > 15 &&
         text.substr(0, 14).find_first_not_of("0123456789") == std::string_view::npos &&
         text[14] == '_';
}

SourceName parse_efcore(std::string_view relative_path, const SourceNaming&) {
  const auto slash = relative_path.find_last_of('/');
  const std::string_view file =
      slash == std::string_view::npos ? relative_path : relative_path.substr(slash + 1);
  if (!file.ends_with(".cs") || file.ends_with(kDesigner) || file.ends_with("ModelSnapshot.cs"))
    return {};
  SourceMigration migration;
  const std::string_view stem = file.substr(0, file.size() - 3);
  if (is_migration_id(stem)) migration.identity = std::string(stem);
  return {migration, ""};
}

// `<id>.cs` keeps its attribute in `<id>.Designer.cs` beside it.
std::string designer_file(std::string_view relative_path) {
  return std::string(relative_path.substr(0, relative_path.size() - 3)) + std::string(kDesigner);
}

SourceName read_efcore_attribute(const SourceMigration& from_name, std::string_view content) {
  // [Migration("id")], also spelt MigrationAttribute or namespace-qualified, among other
  // attributes in the same brackets; the id as a regular or verbatim string literal.
  static const std::regex attribute(
      R"re([\[,]\s*(?:[\w.]+\.)?Migration(?:Attribute)?\s*\(\s*@?"([^"\\]*)"\s*\))re");
  const std::string text(content);
  std::smatch found;
  SourceMigration migration = from_name;
  if (std::regex_search(text, found, attribute)) migration.identity = found[1].str();
  if (migration.identity.empty()) return {};  // no attribute, no id in its name: not a migration
  migration.version = migration.identity;
  if (is_migration_id(migration.identity)) migration.description = migration.identity.substr(15);
  return {migration, ""};
}

const bool registered = register_source_tool({
    .name = "efcore",
    .checksum = SourceChecksum::none,
    .parse = parse_efcore,
    .compare_versions = compare_as_text,
    // Every row is an applied migration (a failed one rolls back with its row; removing a
    // migration from the database deletes it); ids in the order EF applies them.
    .applied_sql =
        "SELECT 'apply', \"MigrationId\"::text, ''::text, \"ProductVersion\"::text, "
        "''::text, NULL::text, true, row_number() OVER (ORDER BY \"MigrationId\" COLLATE \"C\") "
        "FROM {table}",
    .identity_file = designer_file,
    .read_identity = read_efcore_attribute,
});

}  // namespace
}  // namespace mexp
