// Helpers for tests that play lock scenarios with real sessions: waiting until a session queues
// for a lock, a session with a client address, and a collector's raw families (type and help,
// which Samples does not keep).
#pragma once

#include <libpq-fe.h>
#include <prometheus/metric_family.h>

#include <string>
#include <vector>

#include "core/collector.h"
#include "core/pg_session.h"
#include "tests/support/test_pg.h"

namespace mexp::test {

using Families = std::vector<prometheus::MetricFamily>;

// collect() with base labels {datname = the session's database}, families as returned
// (collector_run.h's find_family looks one up).
Families collect_families(Collector& collector, PgSession& session);

// The configuration errors building collector `name` with `options_toml` gives ("" if none).
std::string collector_option_errors(const std::string& name, const std::string& options_toml);

// Blocks until backend `pid` waits for a heavyweight lock (fails the test after 10 s).
void wait_until_waiting_for_lock(SqlSession& observer, int pid);
// Blocks until backend `pid` has left pg_stat_activity (a backend releases its locks first).
void wait_until_gone(SqlSession& observer, int pid);

// A superuser session over TCP to 127.0.0.1, so that pg_stat_activity shows a client address
// (SqlSession uses the unix socket).
class TcpSession {
 public:
  explicit TcpSession(const std::string& dbname);
  ~TcpSession();
  TcpSession(const TcpSession&) = delete;
  TcpSession& operator=(const TcpSession&) = delete;
  std::string exec(const std::string& sql);
  int pid() const;

 private:
  PGconn* conn_;
};

}  // namespace mexp::test
