// Flyway's flyway_schema_history, described for the history collector.
//
// Row kinds: SCHEMA is Flyway's own marker (ignored); DELETE rows (written by `repair` for a
// missing migration) take the version out of the applied set without counting as a rollback; the
// synthetic BASELINE row sets a version without running anything; UNDO_* rows are rollbacks; every
// other type (SQL, JDBC, SCRIPT, CUSTOM, *_BASELINE migrations, repeatables with NULL version)
// ran a migration. installed_on has no time zone: it is read in the session's TimeZone (the
// server's default unless the target sets time_zone), which is what Flyway's now() wrote.
#include "collectors/history_tools.h"

namespace mexp {
namespace {

const bool registered = register_history_tool({
    .name = "flyway",
    .table_names = {"flyway_schema_history"},
    .required_columns = {"installed_rank", "version", "description", "type", "script",
                         "installed_by", "installed_on", "execution_time", "success"},
    .companion_tables = {},
    .normalized_sql =
        "SELECT CASE WHEN type = 'SCHEMA' THEN 'marker' WHEN type = 'DELETE' THEN 'delete' "
        "WHEN type = 'BASELINE' THEN 'baseline' WHEN left(type, 5) = 'UNDO_' THEN 'undo' ELSE "
        "'apply' END AS kind, "
        "version, " +
        history_version_key_sql("version") +
        " AS version_key, description, "
        "CASE WHEN type IN ('SQL', 'JDBC', 'SCRIPT', 'CUSTOM', 'SCHEMA', 'BASELINE', 'DELETE', "
        "'SQL_BASELINE', "
        "'JDBC_BASELINE', 'SCRIPT_BASELINE', 'SQL_STATE_SCRIPT', 'JDBC_STATE_SCRIPT', "
        "'SPRING_JDBC', 'UNDO_SQL', "
        "'UNDO_JDBC', 'UNDO_SCRIPT', 'UNDO_CUSTOM', 'UNDO_SPRING_JDBC') THEN type ELSE 'other' END "
        "AS type, "
        "script, installed_by, installed_on::timestamptz AS applied_at, execution_time / 1000.0 AS "
        "duration_seconds, "
        "success, installed_rank::bigint AS ordinal FROM {table}",
    .records_history = true,
    .records_duration = true,
    .records_failures = true,
    .orders_versions = true,
});

}  // namespace
}  // namespace mexp
