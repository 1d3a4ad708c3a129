// goose's goose_db_version, described for the history collector.
//
// One row per up (is_applied true). The version_id 0 row goose inserts when it creates the table
// is a marker, not a migration. goose v3 deletes the row on down (seen as the current version
// moving back); very old goose inserted is_applied false rows instead, counted as recorded
// rollbacks (the latest row of a version decides its state). No duration, no failures (a failed
// migration leaves no row). tstamp has no time zone: read in the session's.
#include "collectors/history_tools.h"

namespace mexp {
namespace {

const bool registered = register_history_tool({
    .name = "goose",
    .table_names = {"goose_db_version"},
    .required_columns = {"id", "version_id", "is_applied", "tstamp"},
    .companion_tables = {},
    .normalized_sql =
        "SELECT CASE WHEN version_id = 0 THEN 'marker' WHEN is_applied THEN 'apply' ELSE 'undo' "
        "END AS kind, version_id::text AS version, ARRAY[version_id::numeric] AS version_key, "
        "NULL::text AS description, "
        "CASE WHEN version_id = 0 THEN 'initial' WHEN is_applied THEN 'up' ELSE 'down' END AS "
        "type, NULL::text AS script, NULL::text AS installed_by, "
        "tstamp::timestamptz AS applied_at, NULL::float8 AS duration_seconds, true AS success, "
        "id::bigint AS ordinal FROM {table}",
    .records_history = true,
    .records_duration = false,
    .records_failures = false,
    .orders_versions = true,
});

}  // namespace
}  // namespace mexp
