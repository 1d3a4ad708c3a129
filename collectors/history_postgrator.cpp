// Postgrator's schemaversion, described for the history collector.
//
// One row per applied migration number, plus the version 0 row Postgrator inserts when it creates
// the table (a marker, not a migration). run_at is written by the client as a UTC time without a
// zone, so it is right when the migrating session's TimeZone is UTC. No duration, no failures
// (the row is written after the script succeeds). Undo deletes the row: seen as the current
// version moving back.
#include "collectors/history_tools.h"

namespace mexp {
namespace {

const bool registered = register_history_tool({
    .name = "postgrator",
    .table_names = {"schemaversion"},
    .required_columns = {"version", "name", "md5", "run_at"},
    .companion_tables = {},
    .normalized_sql =
        "SELECT CASE WHEN version = 0 THEN 'marker' ELSE 'apply' END AS kind, "
        "version::text AS version, ARRAY[version::numeric] AS version_key, "
        "name::text AS description, NULL::text AS type, NULL::text AS script, "
        "NULL::text AS installed_by, run_at::timestamptz AS applied_at, "
        "NULL::float8 AS duration_seconds, true AS success, version::bigint AS ordinal "
        "FROM {table}",
    .records_history = true,
    .records_duration = false,
    .records_failures = false,
    .orders_versions = true,
});

}  // namespace
}  // namespace mexp
