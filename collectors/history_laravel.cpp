// Laravel's migrations table, described for the history collector.
//
// One row per applied migration (`version` is the file name without .php) with its batch number;
// the current version is the one applied last (highest id). No applied time, no duration, no
// failures. migrate:rollback deletes the last batch: seen as the current version moving back.
// Shares the name `migrations` with TypeORM and Graphile Migrate; its columns tell it apart.
#include "collectors/history_tools.h"

namespace mexp {
namespace {

const bool registered = register_history_tool({
    .name = "laravel",
    .table_names = {"migrations"},
    .required_columns = {"id", "migration", "batch"},
    .companion_tables = {},
    .normalized_sql =
        "SELECT 'apply' AS kind, migration::text AS version, ARRAY[id::numeric] AS version_key, "
        "NULL::text AS description, 'batch ' || batch AS type, NULL::text AS script, "
        "NULL::text AS installed_by, NULL::timestamptz AS applied_at, "
        "NULL::float8 AS duration_seconds, true AS success, id::bigint AS ordinal FROM {table}",
    .records_history = true,
    .records_duration = false,
    .records_failures = false,
    .orders_versions = true,
});

}  // namespace
}  // namespace mexp
