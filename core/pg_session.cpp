// libpq session with deadlines on every wait (connect, send, receive), so a stopped or hung
// server costs at most a timeout, and credentials scrubbed from every message.
#include "core/pg_session.h"

#include <poll.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>

#include "core/conninfo_check.h"

namespace mexp {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kStopCheckSlice = std::chrono::milliseconds(100);
// The server's statement_timeout normally ends a slow statement; this client-side guard only
// fires when the server itself does not answer (hung, partitioned).
constexpr auto kClientGuard = std::chrono::seconds(2);

bool looks_like_conninfo(const std::string& text) {
  return text.find('=') != std::string::npos || text.rfind("postgresql://", 0) == 0 ||
         text.rfind("postgres://", 0) == 0;
}

std::map<std::string, std::string> parse_conninfo(const std::string& conninfo) {
  std::map<std::string, std::string> fields;
  if (conninfo.empty()) return fields;
  if (!looks_like_conninfo(conninfo)) {
    fields["dbname"] = conninfo;
    return fields;
  }
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (error != nullptr) PQfreemem(error);  // the message may quote the string: never surface it
  if (options == nullptr) return fields;
  for (auto* option = options; option->keyword != nullptr; ++option) {
    if (option->val != nullptr && option->val[0] != '\0') fields[option->keyword] = option->val;
  }
  PQconninfoFree(options);
  return fields;
}

std::string env_or(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return (value != nullptr && value[0] != '\0') ? std::string(value) : fallback;
}

std::string os_user() {
  struct passwd pw {};
  struct passwd* found = nullptr;
  char buffer[1024];
  if (getpwuid_r(geteuid(), &pw, buffer, sizeof buffer, &found) == 0 && found != nullptr)
    return pw.pw_name;
  return "postgres";
}

std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

std::string millis(std::chrono::milliseconds value) { return std::to_string(value.count()) + "ms"; }

}  // namespace

std::string expected_datname(const std::string& conninfo) {
  auto fields = parse_conninfo(conninfo);
  if (fields.count("dbname")) return fields["dbname"];
  std::string database = env_or("PGDATABASE", "");
  if (!database.empty()) return database;
  if (fields.count("user")) return fields["user"];
  return env_or("PGUSER", os_user());
}

std::string describe_conninfo(const std::string& conninfo) {
  // Not libpq's defaults: that would report a target other than the one configured.
  if (conninfo_problem(conninfo)) return "(a DSN that cannot be parsed)";
  auto fields = parse_conninfo(conninfo);
  const auto pick = [&](const char* key, const char* env, const std::string& fallback) {
    return fields.count(key) ? fields[key] : env_or(env, fallback);
  };
  return "host=" + pick("host", "PGHOST", "/var/run/postgresql") +
         " port=" + pick("port", "PGPORT", "5432") + " dbname=" + expected_datname(conninfo) +
         " user=" + pick("user", "PGUSER", os_user());
}

std::vector<std::string> conninfo_secrets(const std::string& conninfo) {
  std::vector<std::string> secrets;
  auto fields = parse_conninfo(conninfo);
  if (fields.count("password")) secrets.push_back(fields["password"]);
  return secrets;
}

int PgResult::column(std::string_view name) const {
  const int index = PQfnumber(result_.get(), std::string(name).c_str());
  if (index < 0) throw PgError("result has no column " + std::string(name), false);
  return index;
}

std::string_view PgResult::text(int row, int column) const {
  return {PQgetvalue(result_.get(), row, column),
          static_cast<std::size_t>(PQgetlength(result_.get(), row, column))};
}

std::optional<std::string> PgResult::optional_text(int row, int column) const {
  if (is_null(row, column)) return std::nullopt;
  return std::string(text(row, column));
}

double PgResult::number(int row, int column) const {
  if (is_null(row, column)) return std::nan("");
  const char* value = PQgetvalue(result_.get(), row, column);
  char* end = nullptr;
  const double parsed = std::strtod(value, &end);
  if (end == value || *end != '\0') {
    throw PgError(std::string("column ") + PQfname(result_.get(), column) + " is not a number",
                  false);
  }
  return parsed;
}

std::optional<double> PgResult::optional_number(int row, int column) const {
  if (is_null(row, column)) return std::nullopt;
  return number(row, column);
}

bool PgResult::boolean(int row, int column) const { return text(row, column) == "t"; }

PgSession::PgSession(SessionSettings settings, const std::atomic<bool>* stop)
    : settings_(std::move(settings)), stop_(stop), secrets_(conninfo_secrets(settings_.conninfo)) {
  if (!settings_.password.empty()) secrets_.push_back(settings_.password);
  datname_ = expected_datname(settings_.conninfo);
}

PgSession::~PgSession() { disconnect(); }

bool PgSession::connected() const { return conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK; }

void PgSession::disconnect() {
  if (conn_ != nullptr) {
    PQfinish(conn_);
    conn_ = nullptr;
  }
}

std::string PgSession::describe() const { return describe_conninfo(settings_.conninfo); }

std::string PgSession::redact(std::string message) const {
  for (const auto& secret : secrets_) {
    if (secret.empty()) continue;
    for (auto pos = message.find(secret); pos != std::string::npos;
         pos = message.find(secret, pos)) {
      message.replace(pos, secret.size(), "<redacted>");
    }
  }
  return message;
}

void PgSession::fail(const std::string& what, bool connection_lost, std::string sqlstate) {
  if (connection_lost) disconnect();
  throw PgError(redact(what), connection_lost, std::move(sqlstate));
}

void PgSession::wait_socket(bool for_write, Clock::time_point deadline, const char* what) {
  const int fd = PQsocket(conn_);
  if (fd < 0) fail(std::string(what) + ": connection has no socket", true);
  while (true) {
    if (stop_ != nullptr && stop_->load()) fail(std::string(what) + ": exporter is stopping", true);
    const auto now = Clock::now();
    if (now >= deadline)
      fail(std::string(what) + ": no answer from the server before the deadline", true);
    const auto slice = std::min<Clock::duration>(deadline - now, kStopCheckSlice);
    pollfd pfd{fd, static_cast<short>(for_write ? POLLOUT : POLLIN), 0};
    const int ready = ::poll(
        &pfd, 1, static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(slice).count()));
    if (ready > 0) return;
    if (ready < 0 && errno != EINTR)
      fail(std::string(what) + ": poll failed: " + std::strerror(errno), true);
  }
}

void PgSession::connect() {
  disconnect();
  // libpq would quote the unparsable part (often the password) in its message.
  if (auto problem = conninfo_problem(settings_.conninfo))
    throw PgError("connecting: the DSN cannot be parsed: " + *problem, true);
  const auto connect_seconds = std::to_string(std::max<long long>(
      1, std::chrono::ceil<std::chrono::seconds>(settings_.connect_timeout).count()));
  // Our defaults come before dbname so that a DSN can override them; the password from a file or
  // the environment comes last so that it wins over one in the DSN.
  std::vector<const char*> keywords = {"application_name",    "connect_timeout",
                                       "keepalives",          "keepalives_idle",
                                       "keepalives_interval", "keepalives_count"};
  std::vector<const char*> values = {
      settings_.application_name.c_str(), connect_seconds.c_str(), "1", "10", "5", "3"};
  if (!settings_.conninfo.empty()) {
    keywords.push_back("dbname");
    values.push_back(settings_.conninfo.c_str());
  }
  if (!settings_.password.empty()) {
    keywords.push_back("password");
    values.push_back(settings_.password.c_str());
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);

  const auto deadline = Clock::now() + settings_.connect_timeout;
  conn_ = PQconnectStartParams(keywords.data(), values.data(), 1);
  if (conn_ == nullptr) throw PgError("connecting to " + describe() + ": out of memory", true);
  if (PQstatus(conn_) == CONNECTION_BAD) {
    fail("connecting to " + describe() + ": " + trim(PQerrorMessage(conn_)), true);
  }
  while (true) {
    const auto state = PQconnectPoll(conn_);
    if (state == PGRES_POLLING_OK) break;
    if (state == PGRES_POLLING_FAILED)
      fail("connecting to " + describe() + ": " + trim(PQerrorMessage(conn_)), true);
    wait_socket(state == PGRES_POLLING_WRITING, deadline, ("connecting to " + describe()).c_str());
  }
  if (PQsetnonblocking(conn_, 1) != 0)
    fail("connecting to " + describe() + ": cannot set non-blocking", true);

  std::string setup = "SET default_transaction_read_only = on; SET statement_timeout = '" +
                      millis(settings_.statement_timeout) + "'; SET lock_timeout = '" +
                      millis(settings_.lock_timeout) +
                      "'; SET idle_in_transaction_session_timeout = '60s'; SET jit = off; ";
  if (!settings_.time_zone.empty()) {
    char* literal = PQescapeLiteral(conn_, settings_.time_zone.data(), settings_.time_zone.size());
    if (literal == nullptr) fail("invalid time_zone", false);
    setup += "SET TimeZone = " + std::string(literal) + "; ";
    PQfreemem(literal);
  }
  setup +=
      "SELECT pg_backend_pid(), current_database(), current_setting('server_version_num')::int";
  std::optional<PgResult> setup_result;
  try {
    setup_result.emplace(query(setup));
  } catch (const PgError& error) {
    // A session without its guest settings must not be used: drop it and report a failed connect.
    disconnect();
    throw PgError(std::string("setting up the session: ") + error.what(), true, error.sqlstate());
  }
  const auto& result = *setup_result;
  backend_pid_ = static_cast<int>(result.number(0, 0));
  datname_ = std::string(result.text(0, 1));
  server_version_ = static_cast<int>(result.number(0, 2));
}

PgResult PgSession::query(std::string_view sql, const QueryParams& params) {
  if (conn_ == nullptr) fail("not connected", true);
  const auto deadline = Clock::now() + settings_.statement_timeout + kClientGuard;
  const std::string text(sql);
  int sent = 0;
  if (params.empty()) {
    sent = PQsendQuery(conn_, text.c_str());
  } else {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& param : params) values.push_back(param ? param->c_str() : nullptr);
    sent = PQsendQueryParams(conn_, text.c_str(), static_cast<int>(values.size()), nullptr,
                             values.data(), nullptr, nullptr, 0);
  }
  if (sent == 0)
    fail("sending query: " + trim(PQerrorMessage(conn_)), PQstatus(conn_) != CONNECTION_OK);
  while (true) {
    const int flushed = PQflush(conn_);
    if (flushed == 0) break;
    if (flushed < 0) fail("sending query: " + trim(PQerrorMessage(conn_)), true);
    wait_socket(true, deadline, "sending query");
  }

  PGresult* last = nullptr;
  std::string error;
  std::string sqlstate;
  while (true) {
    while (PQisBusy(conn_) != 0) {
      wait_socket(false, deadline, "waiting for query result");
      if (PQconsumeInput(conn_) == 0) {
        if (last != nullptr) PQclear(last);
        fail("reading query result: " + trim(PQerrorMessage(conn_)), true);
      }
    }
    PGresult* result = PQgetResult(conn_);
    if (result == nullptr) break;
    const auto status = PQresultStatus(result);
    if (status == PGRES_FATAL_ERROR || status == PGRES_BAD_RESPONSE ||
        status == PGRES_NONFATAL_ERROR) {
      if (error.empty()) {
        error = trim(PQresultErrorMessage(result));
        const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
        sqlstate = state != nullptr ? state : "";
      }
      PQclear(result);
      continue;
    }
    if (last != nullptr) PQclear(last);
    last = result;
  }
  if (!error.empty()) {
    if (last != nullptr) PQclear(last);
    fail(error, PQstatus(conn_) != CONNECTION_OK, sqlstate);
  }
  if (last == nullptr) fail("query returned no result", PQstatus(conn_) != CONNECTION_OK);
  return PgResult(last);
}

std::string PgSession::escape_identifier(std::string_view identifier) const {
  // libpq's escaping needs a connection only for its encoding; without one, quote by hand the
  // same way (double the embedded quotes), which is exact for UTF-8.
  if (conn_ != nullptr) {
    char* escaped = PQescapeIdentifier(conn_, identifier.data(), identifier.size());
    if (escaped != nullptr) {
      std::string result(escaped);
      PQfreemem(escaped);
      return result;
    }
  }
  std::string quoted = "\"";
  for (char c : identifier) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

}  // namespace mexp
