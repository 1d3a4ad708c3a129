// golang-migrate's schema_migrations, described for the history collector.
//
// The table holds 0 or 1 row (version, dirty): the current state, no history, time or duration.
// golang-migrate sets dirty before a migration and clears it after success, so a dirty row is a
// migration that failed (or is running now, which the live collectors show): migration_failed is
// 1 while dirty and there is no current version until `migrate force`. Going down sets a lower
// version: seen as the current version moving back.
#include "collectors/history_tools.h"

namespace mexp {
namespace {

const bool registered = register_history_tool({
    .name = "golang-migrate",
    .table_names = {"schema_migrations"},
    .required_columns = {"version bigint", "dirty boolean"},
    .companion_tables = {},
    .normalized_sql =
        "SELECT 'apply' AS kind, version::text AS version, "
        "CASE WHEN version >= 0 THEN ARRAY[version::numeric] END AS version_key, "
        "NULL::text AS description, CASE WHEN dirty THEN 'dirty' ELSE 'clean' END AS type, "
        "NULL::text AS script, NULL::text AS installed_by, NULL::timestamptz AS applied_at, "
        "NULL::float8 AS duration_seconds, NOT dirty AS success, 1::bigint AS ordinal "
        "FROM {table}",
    .records_history = false,
    .records_duration = false,
    .records_failures = true,
    .orders_versions = true,
});

}  // namespace
}  // namespace mexp
