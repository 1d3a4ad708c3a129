// Knex's knex_migrations, described for the history collector.
//
// One row per applied migration file (`version` is the file name), with its batch and the
// client's time (timestamptz). The current version is the migration applied last (highest id).
// No duration and no failures (a failed batch rolls back and leaves no row). migrate:rollback
// deletes the last batch's rows: seen as the current version moving back.
#include "collectors/history_tools.h"

namespace mexp {
namespace {

const bool registered = register_history_tool({
    .name = "knex",
    .table_names = {"knex_migrations"},
    .required_columns = {"id", "name", "batch", "migration_time"},
    .companion_tables = {},
    .normalized_sql =
        "SELECT 'apply' AS kind, name::text AS version, ARRAY[id::numeric] AS version_key, "
        "NULL::text AS description, 'batch ' || batch AS type, NULL::text AS script, "
        "NULL::text AS installed_by, migration_time::timestamptz AS applied_at, "
        "NULL::float8 AS duration_seconds, true AS success, id::bigint AS ordinal FROM {table}",
    .records_history = true,
    .records_duration = false,
    .records_failures = false,
    .orders_versions = true,
});

}  // namespace
}  // namespace mexp
