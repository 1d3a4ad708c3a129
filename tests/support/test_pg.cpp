// Implementation of the throwaway-cluster helpers for tests.
#include "tests/support/test_pg.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>

namespace mexp::test {
namespace {

std::map<std::string, std::string> cluster_env() {
  static std::map<std::string, std::string> env = [] {
    std::ifstream path_stream(ME_PG_DIR_FILE);
    std::string dir;
    std::getline(path_stream, dir);
    if (dir.empty())
      throw std::runtime_error("no test cluster: run the tests through ctest (see README)");
    std::ifstream env_stream(dir + "/env");
    if (!env_stream)
      throw std::runtime_error("no running test cluster: " + dir + "/env is missing");
    std::map<std::string, std::string> values;
    std::string line;
    while (std::getline(env_stream, line)) {
      const auto eq = line.find('=');
      if (eq != std::string::npos) values[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return values;
  }();
  return env;
}

void ensure_monitor_role() {
  static std::once_flag once;
  std::call_once(once, [] {
    SqlSession admin("postgres");
    // Several test binaries run at once: a concurrent CREATE ROLE may lose the race; that is fine.
    admin.exec(
        std::string("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '") +
        kMonitorRole + "') THEN BEGIN CREATE ROLE " + kMonitorRole + " LOGIN PASSWORD '" +
        kMonitorPassword +
        "'; EXCEPTION WHEN unique_violation OR duplicate_object THEN NULL; END; END IF; END $$");
    // Two concurrent GRANTs of the same membership can both pass PostgreSQL's check and one then
    // fails on pg_auth_members' unique index (seen in a clean-clone CI run): that one lost the
    // race to a grant that did the same.
    admin.exec(std::string("DO $$ BEGIN GRANT pg_monitor TO ") + kMonitorRole +
               "; EXCEPTION WHEN unique_violation THEN NULL; END $$");
  });
}

}  // namespace

std::string cluster_host() { return cluster_env().at("PGHOST"); }
int cluster_port() { return std::stoi(cluster_env().at("PGPORT")); }

std::string cluster_conninfo(const std::string& dbname, const std::string& user) {
  return "host=" + cluster_host() + " port=" + std::to_string(cluster_port()) +
         " dbname=" + dbname + " user=" + user;
}

SqlSession::SqlSession(const std::string& dbname)
    : conn_(PQconnectdb(cluster_conninfo(dbname).c_str())) {
  if (PQstatus(conn_) != CONNECTION_OK) {
    throw std::runtime_error(std::string("test session to ") + dbname + ": " +
                             PQerrorMessage(conn_));
  }
  pid_ = PQbackendPID(conn_);
}

SqlSession::~SqlSession() { PQfinish(conn_); }

std::string SqlSession::exec(const std::string& sql) {
  PGresult* result = PQexec(conn_, sql.c_str());
  const auto status = PQresultStatus(result);
  std::string value;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    const std::string message = PQresultErrorMessage(result);
    PQclear(result);
    throw std::runtime_error("SQL failed: " + message + "  in: " + sql.substr(0, 300));
  }
  if (status == PGRES_TUPLES_OK && PQntuples(result) > 0 && PQnfields(result) > 0)
    value = PQgetvalue(result, 0, 0);
  PQclear(result);
  return value;
}

void SqlSession::send(const std::string& sql) {
  if (PQsendQuery(conn_, sql.c_str()) == 0)
    throw std::runtime_error(std::string("send: ") + PQerrorMessage(conn_));
}

void SqlSession::finish() {
  while (PGresult* result = PQgetResult(conn_)) PQclear(result);
}

TestDatabase::TestDatabase()
    : name_([] {
        static std::atomic<int> counter{0};
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        std::string name = "t_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
        if (info != nullptr) name += std::string("_") + info->name();
        for (auto& c : name)
          c = std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c))
                                                          : '_';
        name = name.substr(0, 60);
        SqlSession("postgres").exec("CREATE DATABASE " + name);
        return name;
      }()),
      admin_(name_) {
  ensure_monitor_role();
}

TestDatabase::~TestDatabase() {
  try {
    SqlSession("postgres").exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (const std::exception&) {
    // Leftover databases die with the throwaway cluster.
  }
}

std::string TestDatabase::monitor_conninfo() const { return cluster_conninfo(name_, kMonitorRole); }

void TestDatabase::grant_select(const std::string& qualified_table) {
  const auto dot = qualified_table.find('.');
  if (dot != std::string::npos) {
    exec("GRANT USAGE ON SCHEMA " + qualified_table.substr(0, dot) + " TO " + kMonitorRole);
  }
  exec("GRANT SELECT ON " + qualified_table + " TO " + kMonitorRole);
}

std::unique_ptr<PgSession> monitor_session(const TestDatabase& db) {
  SessionSettings settings;
  settings.conninfo = db.monitor_conninfo();
  settings.password = kMonitorPassword;
  auto session = std::make_unique<PgSession>(settings);
  session->connect();
  return session;
}

}  // namespace mexp::test
