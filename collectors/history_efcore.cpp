// Entity Framework Core's "__EFMigrationsHistory" (Npgsql), described for the history collector.
//
// One row per applied migration: MigrationId is <14-digit timestamp>_<Name> (`version` and
// `description`), ProductVersion the EF version. No applied time, no duration, no failures (a
// failed migration's transaction rolls back). Removing a migration from the database deletes its
// row: seen as the current version moving back.
#include "collectors/history_tools.h"

namespace mexp {
namespace {

const bool registered = register_history_tool({
    .name = "efcore",
    .table_names = {"__EFMigrationsHistory"},
    .required_columns = {"MigrationId", "ProductVersion"},
    .companion_tables = {},
    .normalized_sql =
        "SELECT 'apply' AS kind, version, version_key, description, NULL::text AS type, script, "
        "NULL::text AS installed_by, NULL::timestamptz AS applied_at, "
        "NULL::float8 AS duration_seconds, true AS success, "
        "row_number() OVER (ORDER BY version_key NULLS FIRST, script) AS ordinal "
        "FROM (SELECT coalesce(substring(\"MigrationId\" FROM '^[0-9]+'), \"MigrationId\")::text "
        "AS version, " +
        history_leading_number_key_sql("\"MigrationId\"") +
        " AS version_key, regexp_replace(\"MigrationId\", '^[0-9]+_?', '') AS description, "
        "\"MigrationId\"::text AS script FROM {table}) AS migrations",
    .records_history = true,
    .records_duration = false,
    .records_failures = false,
    .orders_versions = true,
});

}  // namespace
}  // namespace mexp
