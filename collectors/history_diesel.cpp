// Diesel's __diesel_schema_migrations, described for the history collector.
//
// One row per applied migration: `version` is the directory name's timestamp without dashes,
// run_on the database time (a timestamp without time zone, read in the session's). No duration,
// no failures (a failed migration's transaction rolls back). Revert deletes the row: seen as the
// current version moving back.
#include "collectors/history_tools.h"

namespace mexp {
namespace {

const bool registered = register_history_tool({
    .name = "diesel",
    .table_names = {"__diesel_schema_migrations"},
    .required_columns = {"version", "run_on"},
    .companion_tables = {},
    .normalized_sql =
        "SELECT 'apply' AS kind, version::text AS version, " +
        history_leading_number_key_sql("version") +
        " AS version_key, NULL::text AS description, NULL::text AS type, NULL::text AS script, "
        "NULL::text AS installed_by, run_on::timestamptz AS applied_at, "
        "NULL::float8 AS duration_seconds, true AS success, "
        "row_number() OVER (ORDER BY run_on, version) AS ordinal FROM {table}",
    .records_history = true,
    .records_duration = false,
    .records_failures = false,
    .orders_versions = true,
});

}  // namespace
}  // namespace mexp
