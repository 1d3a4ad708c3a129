// Alembic's alembic_version, described for the history collector.
//
// The table holds the current heads only (one row per head, usually one), updated in place: no
// history, no time, no duration, no failures (a failed upgrade rolls back). Each head is exported
// as a current version; revision ids are hashes with no order, so an upgrade cannot be told from
// a downgrade and no rollback series is exported.
#include "collectors/history_tools.h"

namespace mexp {
namespace {

const bool registered = register_history_tool({
    .name = "alembic",
    .table_names = {"alembic_version"},
    .required_columns = {"version_num"},
    .companion_tables = {},
    .normalized_sql =
        "SELECT 'apply' AS kind, version_num::text AS version, NULL::numeric[] AS version_key, "
        "NULL::text AS description, NULL::text AS type, NULL::text AS script, "
        "NULL::text AS installed_by, NULL::timestamptz AS applied_at, "
        "NULL::float8 AS duration_seconds, true AS success, "
        "row_number() OVER (ORDER BY version_num) AS ordinal FROM {table}",
    .records_history = false,
    .records_duration = false,
    .records_failures = false,
    .orders_versions = false,
});

}  // namespace
}  // namespace mexp
