// node-pg-migrate's pgmigrations, described for the history collector.
//
// One row per applied migration (`version` is the file name without extension, starting with its
// timestamp); the current version is the one applied last (highest id). run_on is NOW() inside the
// migration's transaction, a timestamp without time zone: read in the session's. No duration, no
// failures (the insert rolls back with a failed migration). Down deletes the row: seen as the
// current version moving back.
#include "collectors/history_tools.h"

namespace mexp {
namespace {

const bool registered = register_history_tool({
    .name = "node-pg-migrate",
    .table_names = {"pgmigrations"},
    .required_columns = {"id", "name", "run_on"},
    .companion_tables = {},
    .normalized_sql =
        "SELECT 'apply' AS kind, name::text AS version, ARRAY[id::numeric] AS version_key, "
        "NULL::text AS description, NULL::text AS type, NULL::text AS script, "
        "NULL::text AS installed_by, run_on::timestamptz AS applied_at, "
        "NULL::float8 AS duration_seconds, true AS success, id::bigint AS ordinal FROM {table}",
    .records_history = true,
    .records_duration = false,
    .records_failures = false,
    .orders_versions = true,
});

}  // namespace
}  // namespace mexp
