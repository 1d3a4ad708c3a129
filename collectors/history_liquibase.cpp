// Liquibase's databasechangelog, described for the history collector.
//
// One row per changeset, identified by (id, author, filename); there is no version number, so the
// current version is the changeset executed last (highest orderexecuted) and `version` is the
// changeset id. EXECUTED and RERAN rows ran a changeset (a runOnChange/runAlways re-run updates
// its row in place, so a changeset counts once however often it re-ran, at its latest time);
// MARK_RAN rows were marked as run without running (a baseline). Liquibase records no failures
// (a failed changeset is rolled back and leaves no row) and no duration. `rollback` deletes rows:
// seen as the current version moving back. dateexecuted has no time zone: read in the session's.
#include "collectors/history_tools.h"

namespace mexp {
namespace {

const bool registered = register_history_tool({
    .name = "liquibase",
    .table_names = {"databasechangelog"},
    .required_columns = {"id", "author", "filename", "dateexecuted", "orderexecuted", "exectype",
                         "description"},
    .companion_tables = {},
    .normalized_sql =
        "SELECT CASE WHEN exectype IN ('EXECUTED', 'RERAN') THEN 'apply' "
        "WHEN exectype = 'MARK_RAN' THEN 'baseline' ELSE 'marker' END AS kind, "
        "id::text AS version, ARRAY[orderexecuted::numeric] AS version_key, "
        "description::text AS description, "
        "CASE WHEN exectype IN ('EXECUTED', 'RERAN', 'MARK_RAN') THEN exectype::text ELSE 'other' "
        "END AS type, filename::text AS script, author::text AS installed_by, "
        "dateexecuted::timestamptz AS applied_at, NULL::float8 AS duration_seconds, "
        "true AS success, orderexecuted::bigint AS ordinal FROM {table}",
    .records_history = true,
    .records_duration = false,
    .records_failures = false,
    .orders_versions = true,
});

}  // namespace
}  // namespace mexp
