// One libpq connection with the exporter's guest manners: read-only, statement_timeout,
// lock_timeout, application_name, TCP keepalives, and client-side deadlines on every wait so that a
// hung server can never hang a poller (or shutdown).
#pragma once

#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mexp {

struct SessionSettings {
  std::string conninfo;  // libpq URI or key=value string; empty means libpq's PG* environment
  std::string password;  // from password_env / password_file; empty means none given
  std::string application_name = "migration_exporter";
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds statement_timeout{5000};
  // Small on purpose: a monitoring query gives up instead of queueing behind a migration's lock.
  std::chrono::milliseconds lock_timeout{100};
  std::string time_zone;  // optional session TimeZone used to read time-zone-less timestamps
};

class PgError : public std::runtime_error {
 public:
  PgError(const std::string& message, bool connection_lost, std::string sqlstate = {})
      : std::runtime_error(message),
        connection_lost_(connection_lost),
        sqlstate_(std::move(sqlstate)) {}
  bool connection_lost() const { return connection_lost_; }
  const std::string& sqlstate() const { return sqlstate_; }

 private:
  bool connection_lost_;
  std::string sqlstate_;
};

// The rows of one statement, read as text (the exporter only asks for text and parses numbers).
class PgResult {
 public:
  explicit PgResult(PGresult* result) : result_(result, &PQclear) {}
  int rows() const { return PQntuples(result_.get()); }
  int columns() const { return PQnfields(result_.get()); }
  int column(std::string_view name) const;  // throws if absent
  bool is_null(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }
  std::string_view text(int row, int column) const;
  std::optional<std::string> optional_text(int row, int column) const;
  double number(int row, int column) const;  // NULL → NaN; throws on non-numeric text
  std::optional<double> optional_number(int row, int column) const;
  bool boolean(int row, int column) const;  // 't' / 'f'

 private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> result_;
};

using QueryParams = std::vector<std::optional<std::string>>;

class PgSession {
 public:
  // `stop` (optional) aborts any wait within ~100 ms when it becomes true.
  explicit PgSession(SessionSettings settings, const std::atomic<bool>* stop = nullptr);
  ~PgSession();
  PgSession(const PgSession&) = delete;
  PgSession& operator=(const PgSession&) = delete;

  // Connects and applies the session settings; throws PgError (message free of credentials).
  void connect();
  void disconnect();
  bool connected() const;

  // Runs one statement (several when `params` is empty and the text holds several) and returns the
  // last result. Throws PgError; connection_lost() tells the caller to reconnect.
  PgResult query(std::string_view sql, const QueryParams& params = {});

  std::string escape_identifier(std::string_view identifier) const;
  const std::string& datname() const { return datname_; }
  int backend_pid() const { return backend_pid_; }
  int server_version() const { return server_version_; }
  const SessionSettings& settings() const { return settings_; }
  // A description of the target safe to log: host, port, dbname and user, never the password.
  std::string describe() const;

 private:
  void wait_socket(bool for_write, std::chrono::steady_clock::time_point deadline,
                   const char* what);
  [[noreturn]] void fail(const std::string& what, bool connection_lost, std::string sqlstate = {});
  std::string redact(std::string message) const;

  SessionSettings settings_;
  const std::atomic<bool>* stop_;
  PGconn* conn_ = nullptr;
  std::vector<std::string> secrets_;
  std::string datname_;
  int backend_pid_ = 0;
  int server_version_ = 0;
};

// A text[] literal ('{"a","b"}') to bind as one parameter: a whole list in one round trip.
template <class Strings>
std::string pg_text_array(const Strings& values) {
  std::string literal = "{";
  for (const auto& value : values) {
    if (literal.size() > 1) literal += ',';
    literal += '"';
    for (char c : value) {
      if (c == '"' || c == '\\') literal += '\\';
      literal += c;
    }
    literal += '"';
  }
  return literal + "}";
}

// The database name a conninfo will connect to (dbname, else PGDATABASE, else the user name), so
// that pg_up{datname} is labelled even before the first connection succeeds.
std::string expected_datname(const std::string& conninfo);
// host/port/dbname/user of a conninfo (key=value or URI), without the password; for logs.
std::string describe_conninfo(const std::string& conninfo);
// Every secret a conninfo carries (its password), for redaction.
std::vector<std::string> conninfo_secrets(const std::string& conninfo);

}  // namespace mexp
