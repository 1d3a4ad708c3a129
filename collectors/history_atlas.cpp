// Atlas's atlas_schema_revisions, described for the history collector.
//
// One row per migration file, rewritten after every statement. `type` is a bit set: 2 = executed
// (an apply), otherwise 1 = baseline or 4 = resolved by `migrate set` (marked, not run: a
// baseline). A row with an error, or with fewer statements applied than the file has while
// Atlas's advisory lock (2686470616) is free, is a failed (partial) apply; the same partial row
// while the lock is held is the migration running now, not counted. execution_time is in
// nanoseconds; executed_at is the time of the row's last write.
#include "collectors/history_tools.h"

namespace mexp {
namespace {

const std::string kFailed = "(error IS NOT NULL OR (applied < total AND NOT " +
                            history_advisory_lock_held_sql(2686470616) + "))";
const std::string kRunning = "(error IS NULL AND applied < total)";

const bool registered = register_history_tool({
    .name = "atlas",
    .table_names = {"atlas_schema_revisions"},
    .required_columns = {"version", "description", "type", "applied", "total", "executed_at",
                         "execution_time", "error", "operator_version"},
    .companion_tables = {},
    .normalized_sql =
        "SELECT CASE WHEN type & 2 = 0 THEN 'baseline' WHEN NOT " + kFailed + " AND " + kRunning +
        " THEN 'marker' ELSE 'apply' END AS kind, version::text AS version, " +
        history_version_key_sql("version") +
        " AS version_key, description::text AS description, "
        "CASE WHEN type & 2 = 0 AND type & 1 = 1 THEN 'baseline' WHEN type & 2 = 0 THEN "
        "'resolved' WHEN " +
        kFailed + " THEN 'partial' WHEN " + kRunning +
        " THEN 'running' ELSE 'applied' END AS type, NULL::text AS script, "
        "NULL::text AS installed_by, executed_at AS applied_at, "
        "execution_time / 1e9::float8 AS duration_seconds, NOT " +
        kFailed + " AS success, row_number() OVER (ORDER BY executed_at, version) AS ordinal " +
        // Atlas keeps its revisions table's identity in a row of its own: not a migration.
        "FROM {table} WHERE version <> '.atlas_cloud_identifier'",
    .records_history = true,
    .records_duration = true,
    .records_failures = true,
    .orders_versions = true,
});

}  // namespace
}  // namespace mexp
