// Prisma Migrate's _prisma_migrations, described for the history collector.
//
// A row is inserted when a migration starts and finished_at is set when it succeeds. A row left
// unfinished is a failure (Prisma's own rule, P3009), except when it has no error logged yet and
// Prisma's advisory lock (72707369) is held: then it is the migration running now, not counted.
// `migrate resolve
// --rolled-back` marks a failed row rolled back: the failure is resolved, so the row no longer
// counts as failed (nor as a rollback: nothing applied was undone). `resolve --applied` rows
// (applied_steps_count 0) mark a migration applied without running it: a baseline. The duration
// is finished_at - started_at; `version` is the folder name's leading timestamp.
#include "collectors/history_tools.h"

namespace mexp {
namespace {

// No error logged yet and Prisma's lock held: the migration is running now.
const std::string kRunning = "(logs IS NULL AND " + history_advisory_lock_held_sql(72707369) + ")";

const bool registered = register_history_tool({
    .name = "prisma",
    .table_names = {"_prisma_migrations"},
    .required_columns = {"id", "migration_name", "started_at", "finished_at", "rolled_back_at",
                         "logs", "applied_steps_count"},
    .companion_tables = {},
    .normalized_sql =
        "SELECT CASE WHEN rolled_back_at IS NOT NULL THEN 'marker' "
        "WHEN finished_at IS NULL AND " +
        kRunning +
        " THEN 'marker' WHEN finished_at IS NULL THEN 'apply' "
        "WHEN applied_steps_count = 0 THEN 'baseline' ELSE 'apply' END AS kind, "
        "coalesce(substring(migration_name FROM '^[0-9]+'), migration_name)::text AS version, " +
        history_leading_number_key_sql("migration_name") +
        " AS version_key, regexp_replace(migration_name, '^[0-9]+_?', '') AS description, "
        "CASE WHEN rolled_back_at IS NOT NULL THEN 'rolled_back' WHEN finished_at IS NULL AND " +
        kRunning +
        " THEN 'running' WHEN finished_at IS NULL THEN 'failed' "
        "WHEN applied_steps_count = 0 THEN 'resolved_applied' ELSE 'applied' END AS type, "
        "migration_name::text AS script, NULL::text AS installed_by, started_at AS applied_at, "
        "extract(epoch FROM finished_at - started_at)::float8 AS duration_seconds, "
        "finished_at IS NOT NULL AND rolled_back_at IS NULL AS success, "
        "row_number() OVER (ORDER BY started_at, id) AS ordinal FROM {table}",
    .records_history = true,
    .records_duration = true,
    .records_failures = true,
    .orders_versions = true,
});

}  // namespace
}  // namespace mexp
