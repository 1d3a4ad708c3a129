// Test access to the suite's throwaway PostgreSQL cluster (started by ctest's pg_start fixture):
// a database per test, superuser sessions to build scenarios, and the least-privilege monitor role
// the exporter connects as.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <vector>

#include "core/pg_session.h"

namespace mexp::test {

// The monitoring role created per cluster: pg_monitor plus SELECT on history tables, nothing else.
inline constexpr const char* kMonitorRole = "migration_exporter_test";
inline constexpr const char* kMonitorPassword = "s3cret-Pa55word-never-logged";

// key=value conninfo for the cluster (host, port), with the given database and user.
std::string cluster_conninfo(const std::string& dbname, const std::string& user = "postgres");
std::string cluster_host();
int cluster_port();

// A blocking superuser connection for building scenarios (DDL, sessions that hold locks).
class SqlSession {
 public:
  explicit SqlSession(const std::string& dbname);
  ~SqlSession();
  SqlSession(const SqlSession&) = delete;
  SqlSession& operator=(const SqlSession&) = delete;
  // Runs SQL and fails the test on error; returns the first column of the first row ("" if none).
  std::string exec(const std::string& sql);
  // Sends SQL without waiting (for a statement that will block on a lock); finish() collects it.
  void send(const std::string& sql);
  void finish();
  int pid() const { return pid_; }

 private:
  PGconn* conn_;
  int pid_ = 0;
};

// A fresh database, unique per test, dropped (WITH FORCE) at the end.
class TestDatabase {
 public:
  TestDatabase();
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;
  const std::string& name() const { return name_; }
  std::string exec(const std::string& sql) { return admin_.exec(sql); }
  // conninfo of the monitor role (without password; tests pass kMonitorPassword separately).
  std::string monitor_conninfo() const;
  void grant_select(const std::string& qualified_table);

 private:
  std::string name_;
  SqlSession admin_;
};

// A connected session as the monitor role, with the exporter's guest settings.
std::unique_ptr<PgSession> monitor_session(const TestDatabase& db);

}  // namespace mexp::test
