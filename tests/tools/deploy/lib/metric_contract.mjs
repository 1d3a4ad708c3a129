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
  // migration_progress
  ...gauges(["migration_in_progress", "migration_in_progress_seconds", "migration_blocked_sessions",
    "migration_blocked_max_wait_seconds", "migration_waiting_seconds", "migration_lock_stale"], live),
  // locks
  pg_locks_count: { type: "gauge", labels: ["datname", "mode", server] },
  pg_locks_waiting: { type: "gauge", labels: ["datname", "mode", "locktype"] },
  ...gauges(["pg_blocked_sessions", "pg_lock_wait_max_seconds", "pg_lock_blocking_chain_max_depth"], ["datname"]),
  // activity
  ...gauges(["pg_stat_activity_count", "pg_stat_activity_max_tx_duration"], ["datname", "state", server]),
  ...gauges(["pg_long_running_transactions", "pg_long_running_transactions_max_age_seconds",
    "pg_idle_in_transaction_sessions", "pg_idle_in_transaction_max_age_seconds",
    "pg_long_running_transaction_sessions_dropped", "pg_stat_activity_hidden_sessions"], ["datname"]),
  pg_long_running_transaction_session_age_seconds: {
    type: "gauge", labels: ["datname", "pid", "usename", "application_name", "state", "relations"] },
  pg_sessions_waiting: { type: "gauge", labels: ["datname", "wait_event_type"] },
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
  // the exporter itself
  pg_up: { type: "gauge", labels: ["datname"] },
  migration_exporter_build_info: { type: "gauge", labels: ["version", "revision"] },
  ...gauges(["migration_exporter_collector_duration_seconds", "migration_exporter_collector_success"], ["datname", "collector"]),
  migration_exporter_last_poll_timestamp_seconds: { type: "gauge", labels: ["datname"] },
  ...gauges(["migration_exporter_tables_skipped_locked", "migration_exporter_tables_dropped",
    "migration_exporter_indexes_skipped_locked", "migration_exporter_indexes_dropped",
    "migration_exporter_tables_database_up", "migration_exporter_indexes_database_up"], ["datname"]),
  ...gauges(["migration_exporter_config_last_reload_successful",
    "migration_exporter_config_last_reload_success_timestamp_seconds"], []),
  migration_exporter_http_requests_total: { type: "counter", labels: ["path", "code"] },
  ...counters(["process_cpu_seconds_total"], []),
  ...gauges(["process_resident_memory_bytes", "process_virtual_memory_bytes", "process_open_fds", "process_max_fds",
    "process_start_time_seconds"], []),
};
