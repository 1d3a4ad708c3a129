// Sequelize's "SequelizeMeta" (sequelize-cli, umzug's SequelizeStorage), for the history collector.
//
// One row per applied migration file name (`version`), ordered by its leading timestamp
// (sequelize-cli names files YYYYMMDDHHMMSS-name.js). The table has no time column unless
// timestamps were switched on (createdAt), which is then used. No duration, no failures.
// db:migrate:undo deletes the row: seen as the current version moving back.
#include "collectors/history_tools.h"

namespace mexp {
namespace {

const bool registered = register_history_tool({
    .name = "sequelize",
    .table_names = {"SequelizeMeta"},
    .required_columns = {"name"},
    .companion_tables = {},
    .normalized_sql =
        "SELECT 'apply' AS kind, version, version_key, NULL::text AS description, "
        "NULL::text AS type, NULL::text AS script, NULL::text AS installed_by, applied_at, "
        "NULL::float8 AS duration_seconds, true AS success, "
        "row_number() OVER (ORDER BY version_key NULLS FIRST, version) AS ordinal "
        "FROM (SELECT name::text AS version, " +
        history_leading_number_key_sql("name") +
        " AS version_key, (to_jsonb(meta) ->> 'createdAt')::timestamptz AS applied_at "
        "FROM {table} AS meta) AS migrations",
    .records_history = true,
    .records_duration = false,
    .records_failures = false,
    .orders_versions = true,
});

}  // namespace
}  // namespace mexp
