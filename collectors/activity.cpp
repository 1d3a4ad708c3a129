// The activity collector: pg_stat_activity for every database of the server.
// postgres_exporter's pg_stat_activity_count and pg_stat_activity_max_tx_duration, plus the
// sessions that make a migration wait: long transactions, idle-in-transaction sessions, and what
// active sessions are waiting for.
//
// Every series is labelled with the database the session is connected to; sessions without one
// (background processes) are left out, as postgres_exporter does. The exporter's own backend is
// excluded everywhere. Only pg_stat_activity and pg_database are read (never a user table).
#include <array>
#include <map>
#include <tuple>

#include "collectors/server_wide.h"
#include "core/collector.h"
#include "core/log.h"

namespace mexp {
namespace {

// postgres_exporter's states, each emitted (zero-filled) for every database.
constexpr std::array<const char*, 6> kStates = {"active",
                                                "idle",
                                                "idle in transaction",
                                                "idle in transaction (aborted)",
                                                "fastpath function call",
                                                "disabled"};
// PostgreSQL's wait_event_type values, zero-filled so that a wait shows as a change, not as a new
// series. A type added by a future release still appears when it occurs.
constexpr std::array<const char*, 9> kWaitEventTypes = {
    "Activity", "BufferPin", "Client", "Extension", "IO", "IPC", "Lock", "LWLock", "Timeout"};

// Rows (row_kind, datname, key, sessions, max_seconds):
//   database             every database of the server (for zero-filling)
//   state                key = state; sessions in it; longest open transaction among them
//   long_transaction     transactions open for at least $1 seconds and the oldest one's age.
//                        Autovacuum and parallel workers are left out: autovacuum yields to
//                        lock requests on its own, and a parallel worker's transaction is its
//                        leader's, which is counted already.
//   idle_in_transaction  sessions idle inside a transaction (also aborted ones, which still hold a
//                        connection and a snapshot) and how long the longest has been idle
//   waiting              key = wait_event_type; active client sessions waiting on it
//   privilege            sessions = 1 when this role sees every session's state: without
//                        pg_read_all_stats (part of pg_monitor) the state, wait and times of
//                        other roles' sessions read as NULL, and every count above leaves them out
constexpr const char* kActivityStatement =
    "WITH sessions AS MATERIALIZED ("
    "  SELECT a.datname, a.state, a.backend_type, a.wait_event_type,"
    "    EXTRACT(EPOCH FROM now() - a.xact_start)::float8 AS xact_age,"
    "    EXTRACT(EPOCH FROM now() - a.state_change)::float8 AS state_age"
    "  FROM pg_catalog.pg_stat_activity a"
    "  WHERE a.pid <> pg_catalog.pg_backend_pid() AND a.datname IS NOT NULL) "
    "SELECT 'database' AS row_kind, d.datname, NULL::text AS key, 0::float8 AS sessions,"
    "  0::float8 AS max_seconds FROM pg_catalog.pg_database d "
    "UNION ALL "
    "SELECT 'state', datname, state, count(*), coalesce(max(xact_age), 0) FROM sessions"
    "  WHERE state IS NOT NULL GROUP BY datname, state "
    "UNION ALL "
    "SELECT 'long_transaction', datname, NULL, count(*), max(xact_age) FROM sessions"
    "  WHERE xact_age >= $1::float8"
    "    AND backend_type NOT IN ('autovacuum worker', 'parallel worker')"
    "  GROUP BY datname "
    "UNION ALL "
    "SELECT 'idle_in_transaction', datname, NULL, count(*), max(state_age) FROM sessions"
    "  WHERE state IN ('idle in transaction', 'idle in transaction (aborted)') GROUP BY datname "
    "UNION ALL "
    "SELECT 'waiting', datname, wait_event_type, count(*), NULL FROM sessions"
    "  WHERE backend_type = 'client backend' AND state = 'active' AND wait_event_type IS NOT NULL"
    "  GROUP BY datname, wait_event_type "
    "UNION ALL "
    "SELECT 'privilege', NULL, NULL, pg_catalog.pg_has_role('pg_read_all_stats', 'USAGE')::int,"
    "  NULL";

struct Totals {
  double sessions = 0;
  double max_seconds = 0;
};

class ActivityCollector : public Collector {
 public:
  explicit ActivityCollector(std::chrono::milliseconds long_transaction_threshold)
      : threshold_seconds_(std::chrono::duration<double>(long_transaction_threshold).count()) {}

  std::vector<prometheus::MetricFamily> collect(CollectContext& context) override {
    auto result = context.session.query(kActivityStatement, {std::to_string(threshold_seconds_)});
    const int kind_column = result.column("row_kind"), datname_column = result.column("datname"),
              key_column = result.column("key"), sessions_column = result.column("sessions"),
              max_column = result.column("max_seconds");

    // database → kind → key → totals; zero-filled below for every database.
    std::map<std::string, std::map<std::string, std::map<std::string, Totals>>> rows;
    bool sees_all_sessions = false;
    for (int row = 0; row < result.rows(); ++row) {
      const std::string kind(result.text(row, kind_column));
      if (kind == "privilege") {
        sees_all_sessions = result.number(row, sessions_column) == 1;
        continue;
      }
      auto& by_key = rows[std::string(result.text(row, datname_column))][kind];
      if (kind == "database") continue;
      by_key[std::string(result.text(row, key_column))] = {
          result.number(row, sessions_column), result.optional_number(row, max_column).value_or(0)};
    }

    auto count = gauge_family("pg_stat_activity_count", "number of connections in this state");
    auto max_tx = gauge_family("pg_stat_activity_max_tx_duration",
                               "max duration in seconds any active transaction has been running");
    auto long_count = gauge_family(
        "pg_long_running_transactions",
        "Transactions open for longer than long_transaction_threshold (the collector option).");
    auto long_age = gauge_family(
        "pg_long_running_transactions_max_age_seconds",
        "Age of the oldest transaction open for longer than long_transaction_threshold (0 when "
        "there is none).");
    auto idle_count = gauge_family(
        "pg_idle_in_transaction_sessions",
        "Sessions idle inside an open transaction (state 'idle in transaction' or 'idle in "
        "transaction (aborted)').");
    auto idle_age = gauge_family(
        "pg_idle_in_transaction_max_age_seconds",
        "How long the longest idle-in-transaction session has been idle (0 when there is none).");
    auto waiting = gauge_family(
        "pg_sessions_waiting",
        "Active client sessions currently waiting, by wait_event_type (Lock = a heavyweight lock "
        "such as a table lock held by a migration).");

    for (auto& [db, kinds] : rows) {
      const auto labels = for_database(context.base_labels, db);
      auto& states = kinds["state"];
      for (const char* state : kStates) {
        const auto totals = states[state];
        const auto state_labels = with_labels(labels, {{"state", state}});
        add_gauge(count, state_labels, totals.sessions);
        add_gauge(max_tx, state_labels, totals.max_seconds);
      }
      const auto long_transactions = kinds["long_transaction"][""];
      add_gauge(long_count, labels, long_transactions.sessions);
      add_gauge(long_age, labels, long_transactions.max_seconds);
      const auto idle = kinds["idle_in_transaction"][""];
      add_gauge(idle_count, labels, idle.sessions);
      add_gauge(idle_age, labels, idle.max_seconds);
      auto& waits = kinds["waiting"];
      for (const char* type : kWaitEventTypes) waits.try_emplace(type);
      for (const auto& [type, totals] : waits)
        add_gauge(waiting, with_labels(labels, {{"wait_event_type", type}}), totals.sessions);
    }

    // Without the privilege the counts above are not wrong but partial, and look like a quiet
    // database: say so in a series an alert can use, and once in the log.
    auto visible = gauge_family(
        "migration_exporter_activity_all_sessions_visible",
        "1 if the monitoring role can read every session's state (pg_read_all_stats, part of "
        "pg_monitor); 0 if the activity counts leave out other roles' sessions.");
    add_gauge(visible, context.base_labels, sees_all_sessions ? 1 : 0);
    if (!sees_all_sessions && !warned_missing_privilege_) {
      log::warn(
          "activity counts leave out other roles' sessions: grant pg_monitor (or "
          "pg_read_all_stats) to the monitoring role",
          {{"collector", "activity"}});
      warned_missing_privilege_ = true;
    }

    std::vector<prometheus::MetricFamily> families;
    for (auto* family :
         {&count, &max_tx, &long_count, &long_age, &idle_count, &idle_age, &waiting, &visible})
      families.push_back(std::move(*family));
    return families;
  }

 private:
  double threshold_seconds_;
  bool warned_missing_privilege_ = false;
};

const bool registered = register_collector({
    .name = "activity",
    .description = "pg_stat_activity on every database: sessions by state (postgres_exporter's "
                   "pg_stat_activity_*), long-running and idle-in-transaction sessions, waits by "
                   "event type.",
    .enabled_by_default = true,
    .default_interval = std::chrono::seconds(5),
    .live = true,
    .factory = [](CollectorOptions& options) -> std::unique_ptr<Collector> {
      const auto threshold =
          options.get_duration("long_transaction_threshold", std::chrono::minutes(5));
      if (threshold.count() <= 0) options.error("long_transaction_threshold", "must be positive");
      return std::make_unique<ActivityCollector>(threshold);
    },
    .postgres_exporter_families = {"pg_stat_activity_count", "pg_stat_activity_max_tx_duration"},
});

}  // namespace
}  // namespace mexp
