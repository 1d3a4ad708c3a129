// Django's migration files (<app>/migrations/<name>.py), read against django_migrations(app,
// name); a migration is "app.name", as the history collector and showmigrations name it.
//
// Django imports every module of an app's migrations package: each .py file directly in a
// directory named `migrations`, except names starting with '_' or '~' (__init__.py, editor
// backups) and names with a '.' in them (pkgutil does not list those). The app is the directory
// holding `migrations` (Django's default label: the last part of the app's module path), so the
// source path is the directory above the apps. Names are not checked by Django (numbering is a
// convention), so nothing is malformed. Migrations form a graph per app, not one version order:
// no version order, no newest version, no future or out-of-order migrations.
#include "sources/source_tool.h"

namespace mexp {
namespace {

SourceName parse_django(std::string_view relative_path, const SourceNaming&) {
  const auto file_start = relative_path.find_last_of('/');
  if (file_start == std::string_view::npos) return {};
  const std::string_view file = relative_path.substr(file_start + 1);
  const std::string_view directories = relative_path.substr(0, file_start);
  const auto package_start = directories.find_last_of('/');
  if (package_start == std::string_view::npos) return {};  // no app directory above it
  if (directories.substr(package_start + 1) != "migrations") return {};
  const std::string_view above = directories.substr(0, package_start);
  const auto app_start = above.find_last_of('/');
  const std::string_view app =
      app_start == std::string_view::npos ? above : above.substr(app_start + 1);
  if (!file.ends_with(".py") || file.size() == 3) return {};
  const std::string_view name = file.substr(0, file.size() - 3);
  if (name.front() == '_' || name.front() == '~' || name.find('.') != std::string_view::npos)
    return {};
  SourceMigration migration;
  migration.kind = SourceKind::versioned;
  migration.identity = std::string(app) + "." + std::string(name);
  migration.description = std::string(name);
  return {migration, ""};
}

const bool registered = register_source_tool({
    .name = "django",
    .checksum = SourceChecksum::none,
    .parse = parse_django,
    .compare_versions = nullptr,
    // Every row is a successful apply (unapplying deletes it); ids give the order of application.
    .applied_sql = "SELECT 'apply', app || '.' || name, ''::text, ''::text, ''::text, NULL::text, "
                   "true, id::bigint FROM {table}",
});

}  // namespace
}  // namespace mexp
