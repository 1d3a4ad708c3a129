// The exporter's metric contract: every family it exports, with its type and labels, as read from a
// real scrape (tests/checks/e2e_prometheus_alerts.sh checks one with check_contract.mjs) and the
// README's metric tables.
// The Datadog and CloudWatch examples may name only these. `target` is added to every series only
// when several targets are configured, so it is not listed.
const history = ["datname", "tool", "schema", "table"];
// The live migration families name the history table their lock belongs to (empty schema/table
// for a lock that names none), so they join with the history families.
const live = history;
const table = ["datname", "schemaname", "relname"];
const index = [...table, "indexrelname"];
const replica = ["datname", "application_name", "client_addr", "slot_name", "state"];
const slot = ["datname", "slot_name", "database"];
// postgres_exporter's families keep its labels; those describing the whole server have none of their
// own, and only pg_stat_database_conflicts_* keep its `server` label, as in its current releases.
const statDatabase = ["datid", "datname"];
// An operation in progress (pg_stat_progress_*), with the migration whose lock its backend holds.
const progress = ["pid", "command", "phase", "schemaname", "relname", ...live];
// postgres_exporter 0.11.1 compatibility: these two collectors' inherited families carry its `server`.
const server = "server";

const gauges = (names, labels) => Object.fromEntries(names.map((n) => [n, { type: "gauge", labels }]));
const counters = (names, labels) => Object.fromEntries(names.map((n) => [n, { type: "counter", labels }]));

export const metricContract = {
  // history
  ...gauges(["migration_history_up", "migration_applied", "migration_failed", "migration_rollbacks",
    "migration_last_applied_timestamp_seconds", "migration_last_success_timestamp_seconds",
    "migration_last_failure_timestamp_seconds", "migration_last_duration_seconds"], history),
  migration_current_version_info: { type: "gauge", labels: [...history, "version", "description"] },
  migration_duration_seconds: { type: "histogram", labels: history },
  migration_info: { type: "gauge", labels: [...history, "version", "description", "type", "script", "installed_by", "success"] },
  migration_unresolved_failures: { type: "gauge", labels: history },
  // history compared with its migration sources (sources/)
  ...gauges(["migration_source_up", "migration_source_files", "migration_source_problem_files", "migration_pending",
    "migration_checksum_mismatch", "migration_missing_source", "migration_outdated_repeatable", "migration_out_of_order",
    "migration_future", "migration_unverifiable", "migration_source_info_dropped"], history),
  migration_source_newest_version_info: { type: "gauge", labels: [...history, "version"] },
  migration_expected_version_reached: { type: "gauge", labels: [...history, "expected_version"] },
  migration_source_info: { type: "gauge", labels: [...history, "state", "migration"] },
  // migration_progress
  ...gauges(["migration_in_progress", "migration_in_progress_seconds", "migration_blocked_sessions",
    "migration_blocked_max_wait_seconds", "migration_waiting_seconds", "migration_lock_stale"], live),
  ...counters(["migration_exporter_migration_progress_catalog_reads_total",
    "migration_exporter_history_catalog_reads_total"], ["datname"]),
  // locks
  pg_locks_count: { type: "gauge", labels: ["datname", "mode"] },
  pg_locks_waiting: { type: "gauge", labels: ["datname", "mode", "locktype"] },
  ...gauges(["pg_blocked_sessions", "pg_lock_wait_max_seconds", "pg_lock_blocking_chain_max_depth"], ["datname"]),
  // activity
  ...gauges(["pg_stat_activity_count", "pg_stat_activity_max_tx_duration"], ["datname", "state"]),
  ...gauges(["pg_long_running_transactions", "pg_long_running_transactions_max_age_seconds",
    "pg_idle_in_transaction_sessions", "pg_idle_in_transaction_max_age_seconds",
    "pg_long_running_transaction_sessions_dropped", "pg_stat_activity_hidden_sessions"], ["datname"]),
  pg_long_running_transaction_session_age_seconds: {
    type: "gauge", labels: ["datname", "pid", "usename", "application_name", "state", "relations"] },
  pg_sessions_waiting: { type: "gauge", labels: ["datname", "wait_event_type"] },
  migration_exporter_activity_all_sessions_visible: { type: "gauge", labels: ["datname"] },
  // tables
  ...counters(["seq_scan", "seq_tup_read", "idx_scan", "idx_tup_fetch", "n_tup_ins", "n_tup_upd", "n_tup_del",
    "n_tup_hot_upd", "vacuum_count", "autovacuum_count", "analyze_count", "autoanalyze_count"]
    .map((c) => `pg_stat_user_tables_${c}`), table),
  ...gauges(["n_live_tup", "n_dead_tup", "n_mod_since_analyze", "last_vacuum", "last_autovacuum", "last_analyze",
    "last_autoanalyze", "table_size_bytes", "index_size_bytes"].map((c) => `pg_stat_user_tables_${c}`), table),
  // indexes
  ...counters(["pg_stat_user_indexes_idx_scans_total", "pg_stat_user_indexes_idx_tup_reads_total",
    "pg_stat_user_indexes_idx_tup_fetches_total"], index),
  pg_stat_user_indexes_size_bytes: { type: "gauge", labels: index },
  pg_stat_user_indexes_never_scanned: { type: "gauge", labels: table },
  // replication
  ...gauges(["pg_stat_replication_pg_current_wal_lsn_bytes", "pg_stat_replication_pg_wal_lsn_diff"], replica),
  ...gauges(["pg_stat_replication_lag_bytes", "pg_stat_replication_lag_seconds"], [...replica, "position"]),
  ...gauges(["pg_replication_slots_active", "pg_replication_slots_pg_wal_lsn_diff", "pg_replication_slots_lag_bytes",
    "pg_replication_slots_safe_wal_size_bytes", "pg_replication_slots_xmin_age"], slot),
  pg_replication_slots_wal_status: { type: "gauge", labels: [...slot, "wal_status"] },
  pg_replication_slots_info: { type: "gauge", labels: [...slot, "slot_type", "plugin", "temporary"] },
  // postgres_exporter's collectors (the superset; none of them in companion mode)
  pg_stat_database_numbackends: { type: "gauge", labels: statDatabase },
  ...counters(["xact_commit", "xact_rollback", "blks_read", "blks_hit", "tup_returned", "tup_fetched",
    "tup_inserted", "tup_updated", "tup_deleted", "conflicts", "temp_files", "temp_bytes", "deadlocks",
    "blk_read_time", "blk_write_time", "stats_reset", "active_time_seconds_total"]
    .map((c) => `pg_stat_database_${c}`), statDatabase),
  ...counters(["tablespace", "lock", "snapshot", "bufferpin", "deadlock"]
    .map((c) => `pg_stat_database_conflicts_confl_${c}`), [...statDatabase, "server"]),
  ...counters(["checkpoints_timed", "checkpoints_req", "checkpoint_write_time", "checkpoint_sync_time",
    "buffers_checkpoint", "buffers_clean", "maxwritten_clean", "buffers_backend", "buffers_backend_fsync",
    "buffers_alloc", "stats_reset"].map((c) => `pg_stat_bgwriter_${c}_total`), []),
  ...counters(["num_timed", "num_requested", "restartpoints_timed", "restartpoints_req", "restartpoints_done",
    "write_time", "sync_time", "buffers_written", "stats_reset"].map((c) => `pg_stat_checkpointer_${c}_total`), []),
  ...counters(["pg_stat_archiver_archived_count", "pg_stat_archiver_failed_count"], []),
  pg_stat_archiver_last_archive_age: { type: "gauge", labels: [] },
  ...gauges(["pg_database_size_bytes", "pg_database_connection_limit"], ["datname"]),
  ...gauges(["pg_replication_lag_seconds", "pg_replication_is_replica", "pg_replication_last_replay_seconds",
    "pg_replication_lag", "pg_postmaster_start_time_seconds", "pg_wal_segments", "pg_wal_size_bytes"], []),
  ...gauges(["pg_replication_slots_slot_current_wal_lsn", "pg_replication_slots_slot_confirmed_flush_lsn",
    "pg_replication_slots_slot_is_active"], ["slot_name", "slot_type"]),
  ...counters(["heap", "idx", "toast", "tidx"].flatMap((r) => [`${r}_blocks_read`, `${r}_blocks_hit`])
    .map((c) => `pg_statio_user_tables_${c}`), table),
  // schema_health
  ...gauges(["pg_schema_invalid_indexes", "pg_schema_unvalidated_constraints", "pg_schema_unreplicable_tables",
    "pg_schema_duplicate_indexes", "migration_exporter_schema_health_database_up"], ["datname"]),
  pg_schema_invalid_index_info: { type: "gauge", labels: index },
  pg_schema_unvalidated_constraint_info: { type: "gauge", labels: [...table, "conname", "contype"] },
  pg_schema_unreplicable_table_info: { type: "gauge", labels: [...table, "pubname", "replica_identity"] },
  pg_schema_duplicate_index_info: { type: "gauge", labels: [...index, "duplicate_of"] },
  migration_exporter_schema_health_dropped: { type: "gauge", labels: ["datname", "kind"] },
  migration_exporter_schema_health_reads_total: { type: "counter", labels: ["datname"] },
  // sequence_usage
  pg_sequence_used_ratio: { type: "gauge", labels: ["datname", "schemaname", "sequencename", "data_type"] },
  pg_sequence_column_used_ratio: {
    type: "gauge", labels: ["datname", "schemaname", "sequencename", "relname", "attname", "column_type"] },
  ...gauges(["pg_schema_sequences", "pg_schema_sequences_unreadable", "migration_exporter_sequence_usage_skipped_locked",
    "migration_exporter_sequence_usage_dropped", "migration_exporter_sequence_usage_database_up"], ["datname"]),
  // schema_changes
  ...counters(["pg_schema_unmanaged_changes_total", "pg_schema_managed_changes_total",
    "migration_exporter_schema_changes_fingerprints_total"], ["datname"]),
  ...gauges(["pg_schema_unmanaged_change_last_timestamp_seconds", "migration_exporter_schema_changes_dropped"],
    ["datname"]),
  pg_schema_unmanaged_change_timestamp_seconds: { type: "gauge", labels: ["datname", "schemaname", "kind"] },
  // ddl_progress
  ...gauges(["pg_progress_running_seconds", "pg_progress_ratio", "pg_progress_seconds_remaining"], progress),
  ...gauges(["pg_progress_phase_done", "pg_progress_phase_size"], [...progress, "unit"]),
  migration_exporter_ddl_progress_dropped: { type: "gauge", labels: ["datname"] },
  // the exporter itself
  pg_up: { type: "gauge", labels: ["datname"] },
  pg_exporter_last_scrape_error: { type: "gauge", labels: ["datname"] },
  migration_exporter_database_up: { type: "gauge", labels: ["datname"] },
  migration_exporter_database_size_skipped: { type: "gauge", labels: [] },
  pg_roles_connection_limit: { type: "gauge", labels: ["rolname"] },
  migration_exporter_roles_dropped: { type: "gauge", labels: [] },
  migration_exporter_build_info: { type: "gauge", labels: ["version", "revision"] },
  ...gauges(["migration_exporter_collector_duration_seconds", "migration_exporter_collector_success"], ["datname", "collector"]),
  migration_exporter_last_poll_timestamp_seconds: { type: "gauge", labels: ["datname"] },
  ...gauges(["migration_exporter_tables_skipped_locked", "migration_exporter_tables_dropped",
    "migration_exporter_indexes_skipped_locked", "migration_exporter_indexes_dropped",
    "migration_exporter_tables_sizes_timestamp_seconds", "migration_exporter_indexes_sizes_timestamp_seconds",
    "migration_exporter_tables_database_up", "migration_exporter_indexes_database_up",
    "migration_exporter_statio_user_tables_dropped", "migration_exporter_statio_user_tables_database_up",
    "migration_exporter_history_tables_dropped", "migration_exporter_history_tables_skipped_locked",
    "migration_exporter_history_tables_deferred", "migration_exporter_history_tables_backing_off"],
  ["datname"]),
  ...counters(["migration_exporter_tables_sizes_measured_total", "migration_exporter_indexes_sizes_measured_total",
    "migration_exporter_tables_catalog_reads_total", "migration_exporter_indexes_catalog_reads_total",
    "migration_exporter_statio_user_tables_catalog_reads_total", "migration_exporter_tables_rankings_total",
    "migration_exporter_statio_user_tables_rankings_total", "migration_exporter_database_sizes_measured_total"],
  ["datname"]),
  ...gauges(["migration_exporter_config_last_reload_successful",
    "migration_exporter_config_last_reload_success_timestamp_seconds"], []),
  migration_exporter_http_requests_total: { type: "counter", labels: ["path", "code"] },
  ...counters(["process_cpu_seconds_total"], []),
  ...gauges(["process_resident_memory_bytes", "process_virtual_memory_bytes", "process_open_fds", "process_max_fds",
    "process_start_time_seconds"], []),
};

// Families whose names come from data: one per server parameter (pg_settings_<name>[_seconds|_bytes]).
export const metricContractPrefixes = [{ prefix: "pg_settings_", type: "gauge", labels: [] }];
