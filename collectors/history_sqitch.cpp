// Sqitch's registry table events (schema sqitch by default), described for the history collector.
//
// events is Sqitch's full history: deploy (a change ran), fail (a deploy failed: counted in
// migration_failed), revert (a rollback: migration_rollbacks), merge (never written today;
// ignored). Changes have names, not numbers: `version` is the change name and the current version
// is the change deployed last that is still deployed. Sqitch records no duration. A registry
// shared by several projects is counted as one history.
#include "collectors/history_tools.h"

namespace mexp {
namespace {

const bool registered = register_history_tool({
    .name = "sqitch",
    .table_names = {"events"},
    .required_columns = {"event", "change_id", "change", "project", "note", "committed_at",
                         "committer_name"},
    .companion_tables = {"changes", "projects"},
    .normalized_sql =
        "SELECT CASE event WHEN 'deploy' THEN 'apply' WHEN 'fail' THEN 'apply' "
        "WHEN 'revert' THEN 'undo' ELSE 'marker' END AS kind, change AS version, "
        "ARRAY[extract(epoch FROM committed_at)] AS version_key, note AS description, "
        "CASE WHEN event IN ('deploy', 'fail', 'revert', 'merge') THEN event ELSE 'other' END AS "
        "type, NULL::text AS script, committer_name AS installed_by, committed_at AS applied_at, "
        "NULL::float8 AS duration_seconds, event <> 'fail' AS success, "
        "row_number() OVER (ORDER BY committed_at, change_id) AS ordinal FROM {table}",
    .records_history = true,
    .records_duration = false,
    .records_failures = true,
    .orders_versions = true,
});

}  // namespace
}  // namespace mexp
