// The activity collector: pg_stat_activity for every database of the server.
// postgres_exporter's pg_stat_activity_count and pg_stat_activity_max_tx_duration, plus the
// sessions that make a migration wait: long transactions, idle-in-transaction sessions, and what
// active sessions are waiting for.
//
// Every series is labelled with the database the session is connected to; sessions without one
// (background processes) are left out, as postgres_exporter does. The exporter's own backend is
// excluded everywhere. Only catalog views are read (pg_stat_activity, pg_database, and pg_locks
// with pg_class for the few long-running sessions it names), never a user table.
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

// Rows (row_kind, datname, key, sessions, max_seconds, pid, usename, application_name, relations):
//   database             every database of the server (for zero-filling)
//   state                key = state; sessions in it; longest open transaction among them
//   long_transaction     transactions open for at least $1 seconds and the oldest one's age.
//                        Autovacuum and parallel workers are left out: autovacuum yields to
//                        lock requests on its own, and a parallel worker's transaction is its
//                        leader's, which is counted already.
//   long_session         the $2 oldest of those per database, one row each: key = state,
//                        max_seconds = its transaction's age, the session's pid, user, application
//                        and the tables it holds granted locks on (named only for sessions of the
//                        exporter's own database: pg_class is per database). This is who a
//                        migration's ALTER TABLE would queue behind.
//   idle_in_transaction  sessions idle inside a transaction (also aborted ones, which still hold a
//                        connection and a snapshot) and how long the longest has been idle
//   waiting              key = wait_event_type; active client sessions waiting on it
//   privilege            sessions = 1 when this role sees every session's state: without
//                        pg_read_all_stats (part of pg_monitor) the state, wait and times of
//                        other roles' sessions read as NULL, and every count above leaves them out
//   hidden               sessions whose state the exporter's role may not see (another user's,
//                        without pg_read_all_stats: PostgreSQL shows their database but no state
//                        and no backend_type): missing from every row above
constexpr const char* kActivityStatement =
    "WITH sessions AS MATERIALIZED ("
    "  SELECT a.pid, a.datname, a.usename, a.application_name, a.state, a.backend_type,"
    "    a.wait_event_type,"
    "    EXTRACT(EPOCH FROM now() - a.xact_start)::float8 AS xact_age,"
    "    EXTRACT(EPOCH FROM now() - a.state_change)::float8 AS state_age"
    "  FROM pg_catalog.pg_stat_activity a"
    "  WHERE a.pid <> pg_catalog.pg_backend_pid() AND a.datname IS NOT NULL), "
    "long_sessions AS MATERIALIZED ("
    "  SELECT s.*, row_number() OVER (PARTITION BY s.datname ORDER BY s.xact_age DESC, s.pid) AS "
    "rank"
    "  FROM sessions s WHERE s.xact_age >= $1::float8"
    "    AND s.backend_type NOT IN ('autovacuum worker', 'parallel worker')) "
    "SELECT 'database' AS row_kind, d.datname, NULL::text AS key, 0::float8 AS sessions,"
    "  0::float8 AS max_seconds, NULL::int AS pid, NULL::text AS usename,"
    "  NULL::text AS application_name, NULL::text AS relations FROM pg_catalog.pg_database d "
    "UNION ALL "
    "SELECT 'state', datname, state, count(*), coalesce(max(xact_age), 0), NULL, NULL, NULL, NULL"
    "  FROM sessions WHERE state IS NOT NULL GROUP BY datname, state "
    "UNION ALL "
    "SELECT 'long_transaction', datname, NULL, count(*), max(xact_age), NULL, NULL, NULL, NULL"
    "  FROM long_sessions GROUP BY datname "
    "UNION ALL "
    "SELECT 'long_session', l.datname, coalesce(l.state, ''), 1, l.xact_age, l.pid,"
    "  coalesce(l.usename::text, ''), coalesce(l.application_name, ''),"
    "  (SELECT string_agg(r.name, ',' ORDER BY r.name) FROM ("
    "    SELECT DISTINCT n.nspname || '.' || c.relname AS name FROM pg_catalog.pg_locks k"
    "    JOIN pg_catalog.pg_class c ON c.oid = k.relation"
    "    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    "    WHERE k.pid = l.pid AND k.locktype = 'relation' AND k.granted"
    "      AND k.database = (SELECT oid FROM pg_catalog.pg_database"
    "                        WHERE datname = pg_catalog.current_database())"
    "      AND c.relkind IN ('r', 'p', 'm', 'v', 'f')"
    "      AND n.nspname NOT IN ('pg_catalog', 'information_schema')) r)"
    "  FROM long_sessions l WHERE l.rank <= $2::int "
    "UNION ALL "
    "SELECT 'idle_in_transaction', datname, NULL, count(*), max(state_age), NULL, NULL, NULL, NULL"
    "  FROM sessions"
    "  WHERE state IN ('idle in transaction', 'idle in transaction (aborted)') GROUP BY datname "
    "UNION ALL "
    "SELECT 'waiting', datname, wait_event_type, count(*), NULL, NULL, NULL, NULL, NULL"
    "  FROM sessions"
    "  WHERE backend_type = 'client backend' AND state = 'active' AND wait_event_type IS NOT NULL"
    "  GROUP BY datname, wait_event_type "
    "UNION ALL "
    "SELECT 'privilege', NULL, NULL, pg_catalog.pg_has_role('pg_read_all_stats', 'USAGE')::int,"
    "  NULL, NULL, NULL, NULL, NULL "
    "UNION ALL "
    "SELECT 'hidden', datname, NULL, count(*), NULL, NULL, NULL, NULL, NULL FROM sessions"
    "  WHERE backend_type IS NULL AND state IS NULL GROUP BY datname";

// At most this many tables are named per session (the rest are counted): a label stays short.
constexpr std::size_t kRelationsPerSession = 5;

// "a,b,c,d,e,f,g" → "a,b,c,d,e,+2 more".
std::string capped_relations(std::string_view joined) {
  std::string kept;
  std::size_t count = 0, start = 0;
  while (start <= joined.size() && !joined.empty()) {
    auto end = joined.find(',', start);
    if (end == std::string_view::npos) end = joined.size();
    if (++count <= kRelationsPerSession)
      kept += std::string(kept.empty() ? "" : ",") + std::string(joined.substr(start, end - start));
    start = end + 1;
  }
  if (count > kRelationsPerSession)
    kept += ",+" + std::to_string(count - kRelationsPerSession) + " more";
  return kept;
}

struct Totals {
  double sessions = 0;
  double max_seconds = 0;
};

// One of the oldest long-running transactions of a database, named.
struct LongSession {
  std::string datname, state, pid, usename, application_name, relations;
  double age_seconds = 0;
};

class ActivityCollector : public Collector {
 public:
  ActivityCollector(std::chrono::milliseconds long_transaction_threshold, int session_limit)
      : threshold_seconds_(std::chrono::duration<double>(long_transaction_threshold).count()),
        session_limit_(session_limit) {}

  std::vector<prometheus::MetricFamily> collect(CollectContext& context) override {
    auto result = context.session.query(
        kActivityStatement, {std::to_string(threshold_seconds_), std::to_string(session_limit_)});
    const int kind_column = result.column("row_kind"), datname_column = result.column("datname"),
              key_column = result.column("key"), sessions_column = result.column("sessions"),
              max_column = result.column("max_seconds"), pid_column = result.column("pid"),
              user_column = result.column("usename"),
              application_column = result.column("application_name"),
              relations_column = result.column("relations");

    // database → kind → key → totals; zero-filled below for every database.
    std::map<std::string, std::map<std::string, std::map<std::string, Totals>>> rows;
    bool sees_all_sessions = false;
    std::vector<LongSession> long_sessions;
    for (int row = 0; row < result.rows(); ++row) {
      const std::string kind(result.text(row, kind_column));
      if (kind == "privilege") {
        sees_all_sessions = result.number(row, sessions_column) == 1;
        continue;
      }
      auto& by_key = rows[std::string(result.text(row, datname_column))][kind];
      if (kind == "database") continue;
      if (kind == "long_session") {
        long_sessions.push_back(
            {std::string(result.text(row, datname_column)),
             std::string(result.text(row, key_column)), std::string(result.text(row, pid_column)),
             std::string(result.text(row, user_column)),
             std::string(result.text(row, application_column)),
             capped_relations(result.text(row, relations_column)), result.number(row, max_column)});
        continue;
      }
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
    auto session_age = gauge_family(
        "pg_long_running_transaction_session_age_seconds",
        "Age of each of the oldest transactions open for longer than long_transaction_threshold "
        "(at most session_limit per database), with the session's pid, user, application, state "
        "and the tables it holds locks on (its own database's sessions only; at most 5 named).");
    auto sessions_dropped = gauge_family(
        "pg_long_running_transaction_sessions_dropped",
        "Long-running transactions not listed in pg_long_running_transaction_session_age_seconds "
        "because of session_limit.");
    auto idle_count = gauge_family(
        "pg_idle_in_transaction_sessions",
        "Sessions idle inside an open transaction (state 'idle in transaction' or 'idle in "
        "transaction (aborted)').");
    auto idle_age = gauge_family(
        "pg_idle_in_transaction_max_age_seconds",
        "How long the longest idle-in-transaction session has been idle (0 when there is none).");
    auto hidden = gauge_family(
        "pg_stat_activity_hidden_sessions",
        "Client sessions whose state and transaction the exporter's role may not see (another "
        "user's, without pg_read_all_stats; pg_monitor grants it): every other activity family "
        "leaves them out.");
    auto waiting = gauge_family(
        "pg_sessions_waiting",
        "Active client sessions currently waiting, by wait_event_type (Lock = a heavyweight lock "
        "such as a table lock held by a migration).");

    std::map<std::string, double> listed;
    for (const auto& session : long_sessions) {
      add_gauge(session_age,
                with_labels(for_database(context.base_labels, session.datname),
                            {{"pid", session.pid},
                             {"usename", session.usename},
                             {"application_name", session.application_name},
                             {"state", session.state},
                             {"relations", session.relations}}),
                session.age_seconds);
      listed[session.datname] += 1;
    }
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
      add_gauge(sessions_dropped, labels, long_transactions.sessions - listed[db]);
      const auto idle = kinds["idle_in_transaction"][""];
      add_gauge(idle_count, labels, idle.sessions);
      add_gauge(idle_age, labels, idle.max_seconds);
      add_gauge(hidden, labels, kinds["hidden"][""].sessions);
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
    for (auto* family : {&count, &max_tx, &long_count, &long_age, &session_age, &sessions_dropped,
                         &idle_count, &idle_age, &hidden, &waiting, &visible})
      families.push_back(std::move(*family));
    return families;
  }

 private:
  double threshold_seconds_;
  bool warned_missing_privilege_ = false;
  int session_limit_;
};

const bool registered = register_collector({
    .name = "activity",
    .description = "pg_stat_activity on every database: sessions by state (postgres_exporter's "
                   "pg_stat_activity_*), long-running (named) and idle-in-transaction sessions, "
                   "waits by event type.",
    .enabled_by_default = true,
    .default_interval = std::chrono::milliseconds(0),
    .live = true,
    .factory = [](CollectorOptions& options) -> std::unique_ptr<Collector> {
      const auto threshold =
          options.get_duration("long_transaction_threshold", std::chrono::minutes(5));
      if (threshold.count() <= 0) options.error("long_transaction_threshold", "must be positive");
      // Each named session is a series with a pid label: few, and only past the threshold.
      const auto session_limit = options.get_int("session_limit", 5, 0, 100);
      return std::make_unique<ActivityCollector>(threshold, static_cast<int>(session_limit));
    },
    .postgres_exporter_families = {"pg_stat_activity_count", "pg_stat_activity_max_tx_duration"},
});

}  // namespace
}  // namespace mexp
