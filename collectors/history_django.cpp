// Django's django_migrations, described for the history collector.
//
// One row per applied migration, keyed by (app, name): `version` is "app.name" (as
// showmigrations names it). Migrations are numbered per app, so the current version is the one
// applied last (highest id). `applied` is a timestamptz written by Django. No duration and no
// failures are recorded (a failed migration leaves no row). Unapplying deletes the row: seen as
// the current version moving back when it was the latest one.
#include "collectors/history_tools.h"

namespace mexp {
namespace {

const bool registered = register_history_tool({
    .name = "django",
    .table_names = {"django_migrations"},
    .required_columns = {"id", "app", "name", "applied"},
    .companion_tables = {},
    .normalized_sql =
        "SELECT 'apply' AS kind, app || '.' || name AS version, ARRAY[id::numeric] AS version_key, "
        "NULL::text AS description, NULL::text AS type, NULL::text AS script, "
        "NULL::text AS installed_by, applied::timestamptz AS applied_at, "
        "NULL::float8 AS duration_seconds, true AS success, id::bigint AS ordinal FROM {table}",
    .records_history = true,
    .records_duration = false,
    .records_failures = false,
    .orders_versions = true,
});

}  // namespace
}  // namespace mexp
