// TypeORM's migrations table, described for the history collector.
//
// One row per applied migration class: `timestamp` is the number at the end of the class name
// (milliseconds, chosen when the migration was generated), NOT when it was applied, so it is the
// version and no applied time is exported. `description` is the class name. No duration, no
// failures (the run's transaction rolls back). migration:revert deletes the row: seen as the
// current version moving back.
#include "collectors/history_tools.h"

namespace mexp {
namespace {

const bool registered = register_history_tool({
    .name = "typeorm",
    .table_names = {"migrations"},
    .required_columns = {"id", "timestamp", "name"},
    .companion_tables = {},
    .normalized_sql =
        "SELECT 'apply' AS kind, \"timestamp\"::text AS version, "
        "ARRAY[\"timestamp\"::numeric] AS version_key, name::text AS description, "
        "NULL::text AS type, NULL::text AS script, NULL::text AS installed_by, "
        "NULL::timestamptz AS applied_at, NULL::float8 AS duration_seconds, true AS success, "
        "id::bigint AS ordinal FROM {table}",
    .records_history = true,
    .records_duration = false,
    .records_failures = false,
    .orders_versions = true,
});

}  // namespace
}  // namespace mexp
