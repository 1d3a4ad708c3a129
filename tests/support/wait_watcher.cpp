// Implementation of the lock-safety test helpers.
#include "tests/support/wait_watcher.h"

#include "tests/support/metrics_text.h"

namespace mexp::test {

WaitWatcher::WaitWatcher(const std::string& db, int pid) : session_(db) {
  thread_ = std::thread([this, pid] {
    const std::string sql =
        "SELECT count(*) FROM pg_locks WHERE NOT granted AND pid = " + std::to_string(pid);
    while (!stop_.load()) {
      if (session_.exec(sql) != "0") ++ungranted_seen_;
      ++samples_;
    }
  });
}

WaitWatcher::~WaitWatcher() { stop(); }

void WaitWatcher::stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

std::vector<std::string> user_relations_locked_by(Collector& collector, PgSession& session) {
  session.query("BEGIN");
  collect(collector, session);
  auto rows = session.query(
      "SELECT n.nspname || '.' || c.relname || ' ' || l.mode FROM pg_locks l "
      "JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' "
      "AND l.database IN (0, (SELECT oid FROM pg_database WHERE datname = current_database())) "
      "AND n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1");
  session.query("COMMIT");
  std::vector<std::string> locked;
  for (int row = 0; row < rows.rows(); ++row) locked.emplace_back(rows.text(row, 0));
  return locked;
}

}  // namespace mexp::test
