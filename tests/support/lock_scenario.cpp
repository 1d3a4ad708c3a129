// Implementation of the lock-scenario test helpers.
#include "tests/support/lock_scenario.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>

namespace mexp::test {
namespace {
void wait_for(SqlSession& observer, const std::string& count_sql, const std::string& expected,
              const std::string& what) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (observer.exec(count_sql) == expected) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  FAIL() << what;
}
}  // namespace

Families collect_families(Collector& collector, PgSession& session) {
  const Labels base = {{"datname", session.datname()}};
  CollectContext context{session, base, std::chrono::system_clock::now()};
  return collector.collect(context);
}

std::string collector_option_errors(const std::string& name, const std::string& options_toml) {
  const auto* info = find_collector(name);
  if (info == nullptr) throw std::runtime_error("no collector " + name);
  toml::table table = toml::parse(options_toml);
  ConfigErrors errors;
  CollectorOptions options(&table, nullptr, "collectors." + name, "", "test.toml", errors);
  info->factory(options);
  options.report_unknown_keys();
  return errors.joined();
}

void wait_until_waiting_for_lock(SqlSession& observer, int pid) {
  wait_for(observer,
           "SELECT count(*) FROM pg_locks WHERE NOT granted AND pid = " + std::to_string(pid), "1",
           "backend " + std::to_string(pid) + " never started waiting for a lock");
}

void wait_until_gone(SqlSession& observer, int pid) {
  wait_for(observer, "SELECT count(*) FROM pg_stat_activity WHERE pid = " + std::to_string(pid),
           "0", "backend " + std::to_string(pid) + " never exited");
}

TcpSession::TcpSession(const std::string& dbname)
    : conn_(PQconnectdb(("host=127.0.0.1 port=" + std::to_string(cluster_port()) +
                         " dbname=" + dbname + " user=postgres")
                            .c_str())) {
  if (PQstatus(conn_) != CONNECTION_OK)
    throw std::runtime_error(std::string("tcp session: ") + PQerrorMessage(conn_));
}

TcpSession::~TcpSession() { PQfinish(conn_); }

std::string TcpSession::exec(const std::string& sql) {
  PGresult* result = PQexec(conn_, sql.c_str());
  const auto status = PQresultStatus(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    const std::string message = PQresultErrorMessage(result);
    PQclear(result);
    throw std::runtime_error("SQL failed: " + message);
  }
  std::string first =
      (status == PGRES_TUPLES_OK && PQntuples(result) > 0) ? PQgetvalue(result, 0, 0) : "";
  PQclear(result);
  return first;
}

int TcpSession::pid() const { return PQbackendPID(conn_); }

}  // namespace mexp::test
