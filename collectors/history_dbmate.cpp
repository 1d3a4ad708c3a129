// dbmate's schema_migrations, described for the history collector.
//
// One row per applied migration holding only its version (the file's numeric prefix): no applied
// time, no duration, no failures (the insert is part of the migration's transaction). Down
// deletes the row: seen as the current version moving back. Rails writes the same shape (and is
// recognised by ar_internal_metadata beside it); golang-migrate's has a bigint version and dirty.
#include "collectors/history_tools.h"

namespace mexp {
namespace {

const bool registered = register_history_tool({
    .name = "dbmate",
    .table_names = {"schema_migrations"},
    .required_columns = {"version character varying"},
    .companion_tables = {},
    .normalized_sql =
        "SELECT 'apply' AS kind, version, version_key, NULL::text AS description, "
        "NULL::text AS type, NULL::text AS script, NULL::text AS installed_by, "
        "NULL::timestamptz AS applied_at, NULL::float8 AS duration_seconds, true AS success, "
        "row_number() OVER (ORDER BY version_key NULLS FIRST, version) AS ordinal "
        "FROM (SELECT version::text AS version, " +
        history_version_key_sql("version") + " AS version_key FROM {table}) AS migrations",
    .records_history = true,
    .records_duration = false,
    .records_failures = false,
    .orders_versions = true,
});

}  // namespace
}  // namespace mexp
