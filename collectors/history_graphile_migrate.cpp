// Graphile Migrate's graphile_migrate.migrations, described for the history collector.
//
// One row per committed migration (a hash chain); `version` is the file's number (000001),
// `description` the rest of its name, `date` when it ran. No duration, no failures (body and
// insert share a transaction), no down migrations. Shares the name `migrations` with TypeORM and
// Laravel; its columns tell it apart.
#include "collectors/history_tools.h"

namespace mexp {
namespace {

const bool registered = register_history_tool({
    .name = "graphile-migrate",
    .table_names = {"migrations"},
    .required_columns = {"hash", "previous_hash", "filename", "date"},
    .companion_tables = {},
    .normalized_sql =
        "SELECT 'apply' AS kind, coalesce(substring(filename FROM '^[0-9]+'), filename) AS "
        "version, " +
        history_leading_number_key_sql("filename") +
        " AS version_key, regexp_replace(filename, '^[0-9]+-?|\\.sql$', '', 'g') AS description, "
        "NULL::text AS type, filename AS script, NULL::text AS installed_by, date AS applied_at, "
        "NULL::float8 AS duration_seconds, true AS success, "
        "row_number() OVER (ORDER BY date, filename) AS ordinal FROM {table}",
    .records_history = true,
    .records_duration = false,
    .records_failures = false,
    .orders_versions = true,
});

}  // namespace
}  // namespace mexp
