// The locks collector: pg_locks for every database of the server. postgres_exporter's
// pg_locks_count, plus who waits for a lock, for how long, and behind how long a chain of others.
//
// Attribution: pg_locks_count counts a lock under the database in pg_locks.database (exactly as
// postgres_exporter does, so locks on shared catalogs and transaction/virtualxid locks, which have
// no database, are not counted). Every waiting family counts a waiter under the database its
// session is connected to, so a wait for another transaction's row (locktype transactionid, no
// database) still lands where the waiting application is.
//
// Guest manners: reads only pg_locks, pg_stat_activity and pg_database (catalog views, never a user
// table) and calls pg_blocking_pids() only for sessions that wait. The exporter's own backend is
// left out of every count.
#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <tuple>

#include "collectors/blocking_graph.h"
#include "collectors/server_wide.h"
#include "core/collector.h"

namespace mexp {
namespace {

// postgres_exporter's label values: lower-case mode names, every one emitted for every database.
constexpr std::array<const char*, 9> kLockModes = {
    "accesssharelock", "rowsharelock",          "rowexclusivelock", "shareupdateexclusivelock",
    "sharelock",       "sharerowexclusivelock", "exclusivelock",    "accessexclusivelock",
    "sireadlock"};

// Rows: 'held' (one per database and mode, zero-filled: value = locks in that mode, granted or
// not) and 'waiting' (one per ungranted lock: the waiter's database, mode, locktype, pid, seconds
// waited, and its pg_blocking_pids). A backend waits for at most one lock at a time.
//
// pg_locks.waitstart exists from PostgreSQL 14. Before that the wait is measured from the start
// of the waiting statement (pg_stat_activity.query_start): an upper bound, and in practice close,
// since a statement that queues for a lock usually does so as soon as it starts.
std::string locks_statement(int server_version) {
  const std::string waitstart = server_version >= 140000 ? "l.waitstart" : "NULL::timestamptz";
  std::string modes;
  for (const char* mode : kLockModes)
    modes += std::string(modes.empty() ? "" : ", ") + "('" + mode + "')";
  return "WITH lock_rows AS MATERIALIZED ("
         "  SELECT l.locktype, l.database, lower(l.mode) AS mode, l.granted, l.pid, " +
         waitstart +
         " AS waitstart"
         "  FROM pg_catalog.pg_locks l"
         "  WHERE l.pid IS DISTINCT FROM pg_catalog.pg_backend_pid()) "
         "SELECT 'held' AS row_kind, d.datname, m.mode, NULL::text AS locktype, NULL::int AS pid,"
         "  count(l.mode)::float8 AS value, NULL::text AS blockers "
         "FROM pg_catalog.pg_database d CROSS JOIN (VALUES " +
         modes +
         ") AS m(mode) "
         "LEFT JOIN lock_rows l ON l.database = d.oid AND l.mode = m.mode "
         "GROUP BY d.datname, m.mode "
         "UNION ALL "
         "SELECT 'waiting', a.datname, w.mode, w.locktype, w.pid,"
         "  GREATEST(0, EXTRACT(EPOCH FROM now() - coalesce(w.waitstart, a.query_start, now())))"
         "::float8,"
         "  array_to_string(pg_catalog.pg_blocking_pids(w.pid), ',') "
         "FROM lock_rows w LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = w.pid "
         "WHERE NOT w.granted";
}

struct Waiter {
  std::string datname;
  double wait_seconds = 0;
  bool blocked = false;
};

class LocksCollector : public Collector {
 public:
  std::vector<prometheus::MetricFamily> collect(CollectContext& context) override {
    auto result = context.session.query(locks_statement(context.session.server_version()));
    const int kind = result.column("row_kind"), datname = result.column("datname"),
              mode = result.column("mode"), locktype = result.column("locktype"),
              pid = result.column("pid"), value = result.column("value"),
              blockers = result.column("blockers");

    auto count = gauge_family("pg_locks_count", "Number of locks");
    std::set<std::string> databases;
    std::map<std::tuple<std::string, std::string, std::string>, int> waiting_by_kind;
    std::map<int, Waiter> waiters;
    BlockingGraph graph;
    for (int row = 0; row < result.rows(); ++row) {
      const std::string db(result.text(row, datname));
      if (result.text(row, kind) == "held") {
        databases.insert(db);
        add_gauge(
            count,
            with_labels(for_database(context.base_labels, db), {{"mode", result.text(row, mode)}}),
            result.number(row, value));
        continue;
      }
      const int waiter_pid = static_cast<int>(result.number(row, pid));
      auto blocker_pids = parse_pid_list(result.text(row, blockers));
      const bool blocked = !blocker_pids.empty();
      graph.add_waiter(waiter_pid, std::move(blocker_pids));
      if (result.is_null(row, datname)) continue;  // a background process without a database
      ++waiting_by_kind[{db, std::string(result.text(row, mode)),
                         std::string(result.text(row, locktype))}];
      waiters[waiter_pid] = {db, result.number(row, value), blocked};
    }

    auto waiting = gauge_family(
        "pg_locks_waiting",
        "Lock requests not yet granted, by the waiting session's database, lock mode and lock "
        "type. Only combinations with waiters are present.");
    for (const auto& [key, waiting_count] : waiting_by_kind) {
      const auto& [db, lock_mode, lock_type] = key;
      add_gauge(waiting,
                with_labels(for_database(context.base_labels, db),
                            {{"mode", lock_mode}, {"locktype", lock_type}}),
                waiting_count);
    }

    struct PerDatabase {
      int blocked = 0;
      double max_wait = 0;
      int max_depth = 0;
    };
    std::map<std::string, PerDatabase> per_database;
    for (const auto& db : databases) per_database[db];
    for (const auto& [waiter_pid, waiter] : waiters) {
      auto& totals = per_database[waiter.datname];
      if (waiter.blocked) ++totals.blocked;
      totals.max_wait = std::max(totals.max_wait, waiter.wait_seconds);
      totals.max_depth = std::max(totals.max_depth, graph.chain_depth(waiter_pid));
    }
    auto blocked =
        gauge_family("pg_blocked_sessions",
                     "Sessions waiting for a lock that another session holds or is queued for "
                     "(pg_blocking_pids not empty), by the waiting session's database.");
    auto max_wait = gauge_family(
        "pg_lock_wait_max_seconds",
        "How long the longest current lock wait has lasted, by the waiting session's database "
        "(0 when nothing waits).");
    auto depth = gauge_family(
        "pg_lock_blocking_chain_max_depth",
        "Length of the longest chain of lock waits starting in this database: 1 = sessions wait "
        "for a session that does not wait itself, 2 = they wait for a session that waits, and so "
        "on (0 when nothing waits).");
    for (const auto& [db, totals] : per_database) {
      const auto labels = for_database(context.base_labels, db);
      add_gauge(blocked, labels, totals.blocked);
      add_gauge(max_wait, labels, totals.max_wait);
      add_gauge(depth, labels, totals.max_depth);
    }

    std::vector<prometheus::MetricFamily> families;
    families.push_back(std::move(count));
    families.push_back(std::move(waiting));
    families.push_back(std::move(blocked));
    families.push_back(std::move(max_wait));
    families.push_back(std::move(depth));
    return families;
  }
};

const bool registered = register_collector({
    .name = "locks",
    .description = "pg_locks on every database: lock counts by mode (postgres_exporter's "
                   "pg_locks_count), waiting requests, blocked sessions, longest wait and the "
                   "longest blocking chain.",
    .enabled_by_default = true,
    .default_interval = std::chrono::milliseconds(0),
    .live = true,
    .factory = [](CollectorOptions&) -> std::unique_ptr<Collector> {
      return std::make_unique<LocksCollector>();
    },
    .postgres_exporter_families = {"pg_locks_count"},
});

}  // namespace
}  // namespace mexp
