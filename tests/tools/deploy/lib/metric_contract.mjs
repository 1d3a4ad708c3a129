// The exporter's metric contract (DESIGN.md / the lead's decisions): names, types and labels the
// Datadog and CloudWatch examples may rely on. `target` is added to every series only when several
// targets are configured. Keep in step with the README's metric table.
const history = ["datname", "tool", "schema", "table"];
const live = ["datname", "tool"];

export const metricContract = {
  migration_history_up: { type: "gauge", labels: history },
  migration_applied: { type: "gauge", labels: history },
  migration_failed: { type: "gauge", labels: history },
  migration_last_applied_timestamp_seconds: { type: "gauge", labels: history },
  migration_last_success_timestamp_seconds: { type: "gauge", labels: history },
  migration_last_failure_timestamp_seconds: { type: "gauge", labels: history },
  migration_current_version_info: { type: "gauge", labels: [...history, "version", "description"] },
  migration_duration_seconds: { type: "histogram", labels: history },
  migration_last_duration_seconds: { type: "gauge", labels: history },
  migration_rollbacks: { type: "gauge", labels: history },
  migration_info: { type: "gauge", labels: [...history, "version", "description", "type", "script", "installed_by", "success"] },
  migration_in_progress: { type: "gauge", labels: live },
  migration_in_progress_seconds: { type: "gauge", labels: live },
  migration_blocked_sessions: { type: "gauge", labels: live },
  migration_blocked_max_wait_seconds: { type: "gauge", labels: live },
  pg_locks_count: { type: "gauge", labels: ["datname", "mode"] },
  pg_locks_waiting: { type: "gauge", labels: ["datname", "mode", "locktype"] },
  pg_blocked_sessions: { type: "gauge", labels: ["datname"] },
  pg_lock_wait_max_seconds: { type: "gauge", labels: ["datname"] },
  pg_stat_activity_count: { type: "gauge", labels: ["datname", "state"] },
  pg_stat_activity_max_tx_duration: { type: "gauge", labels: ["datname", "state"] },
  pg_long_running_transactions: { type: "gauge", labels: ["datname"] },
  pg_up: { type: "gauge", labels: ["datname"] },
  migration_exporter_build_info: { type: "gauge", labels: ["version", "revision"] },
  migration_exporter_collector_duration_seconds: { type: "gauge", labels: ["datname", "collector"] },
  migration_exporter_collector_success: { type: "gauge", labels: ["datname", "collector"] },
  migration_exporter_last_poll_timestamp_seconds: { type: "gauge", labels: ["datname"] },
  migration_exporter_http_requests_total: { type: "counter", labels: ["path", "code"] },
};
