// Confiture's tb_confiture, described for the history collector.
//
// One row per applied migration: `version` is the file prefix ("001"), compared as a number;
// `description` its name, `script` its slug, applied_by who ran it (NULL before Confiture 0.17,
// whose tables lack the column: read through to_jsonb so both shapes work). execution_time_ms is
// the duration (0 for rows marked applied without running, which cannot be told apart from
// instant migrations). No failures (a failed migration's savepoint rolls back).
#include "collectors/history_tools.h"

namespace mexp {
namespace {

const bool registered = register_history_tool({
    .name = "confiture",
    .table_names = {"tb_confiture"},
    .required_columns = {"pk_confiture", "slug", "version", "name", "applied_at",
                         "execution_time_ms"},
    .companion_tables = {},
    .normalized_sql =
        "SELECT 'apply' AS kind, version::text AS version, " + history_version_key_sql("version") +
        " AS version_key, name::text AS description, NULL::text AS type, slug AS script, "
        "to_jsonb(confiture) ->> 'applied_by' AS installed_by, applied_at, "
        "execution_time_ms / 1000.0::float8 AS duration_seconds, true AS success, "
        "pk_confiture AS ordinal FROM {table} AS confiture",
    .records_history = true,
    .records_duration = true,
    .records_failures = false,
    .orders_versions = true,
});

}  // namespace
}  // namespace mexp
