// conninfo_problem and conninfo_settings: libpq parses; its messages are mapped to fixed
// descriptions, never shown.
#include "core/conninfo_check.h"

#include <libpq-fe.h>

#include <array>
#include <map>
#include <string_view>
#include <utility>

namespace mexp {
namespace {

bool looks_like_conninfo(const std::string& text) {
  return text.find('=') != std::string::npos || text.rfind("postgresql://", 0) == 0 ||
         text.rfind("postgres://", 0) == 0;
}

// libpq's parse messages (fe-connect.c) by their fixed beginning, and what to say instead. Each
// original quotes part of the string; ours describe the mistake and its usual fix.
constexpr std::array<std::pair<std::string_view, std::string_view>, 11> kDescriptions = {{
    {"invalid percent-encoded token",
     "a '%' in the URI is not followed by two hex digits (write a literal '%' as %25)"},
    {"forbidden value %00", "the URI contains %00 (a NUL byte)"},
    {"missing \"=\" after", "a word without '=' (expected key=value pairs)"},
    {"unterminated quoted string", "a quoted value has no closing quote"},
    {"invalid connection option", "an unknown connection option (see libpq's parameter list)"},
    {"end of string reached when looking for matching \"]\"",
     "an IPv6 host in the URI has no closing ']'"},
    {"IPv6 host address may not be empty", "an IPv6 host in the URI is empty"},
    {"unexpected character", "an unexpected character after the host in the URI"},
    {"extra key/value separator", "a URI query parameter has more than one '='"},
    {"missing key/value separator", "a URI query parameter has no '='"},
    {"invalid URI query parameter", "an unknown URI query parameter"},
}};

std::string describe_parse_error(std::string_view libpq_message) {
  for (const auto& [prefix, description] : kDescriptions) {
    if (libpq_message.starts_with(prefix)) return std::string(description);
  }
  return "libpq cannot parse it";
}

}  // namespace

std::optional<std::string> conninfo_problem(const std::string& conninfo) {
  // Empty means libpq's PG* environment; a bare word is a database name: both always parse.
  if (!looks_like_conninfo(conninfo)) return std::nullopt;
  const bool uri = conninfo.rfind("postgresql://", 0) == 0 || conninfo.rfind("postgres://", 0) == 0;
  // libpq takes "postgresql://h/db password=x" as the database "db password=x", which would then
  // be shown (logs, datname label) with the password in it. A URI has no white space.
  if (uri && conninfo.find_first_of(" \t\r\n") != std::string::npos)
    return "the URI contains white space (write it as %20, or use key=value settings)";
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  std::optional<std::string> problem;
  if (options == nullptr) {
    problem = error != nullptr ? describe_parse_error(error) : "out of memory while parsing it";
  }
  if (error != nullptr) PQfreemem(error);
  if (options == nullptr) return problem;
  // "host= password=x": after '=' libpq skips white space, so an empty value takes the next
  // setting as its text, and the host would be shown (logs, names) as "password=x". A value that
  // starts with a connection keyword and '=' is that mistake; it is refused.
  const auto swallowed_a_setting = [&](std::string_view value) {
    const auto equals = value.find('=');
    if (uri || equals == std::string_view::npos) return false;
    for (auto* other = options; other->keyword != nullptr; ++other) {
      if (value.substr(0, equals) == other->keyword) return true;
    }
    return false;
  };
  for (auto* option = options; option->keyword != nullptr && !problem; ++option) {
    if (option->val == nullptr) continue;
    const std::string_view keyword = option->keyword;
    const std::string_view value = option->val;
    if (keyword != "password" && swallowed_a_setting(value)) {
      problem = "the value of " + std::string(keyword) +
                " is empty and libpq would read the next setting as its value (write an empty "
                "value as " +
                std::string(keyword) + "='')";
      continue;
    }
    // "postgresql://u:pa/ss@host/db" parses as host u, port "pa", database "ss@host/db": the
    // password would then be shown as a port or a database name. Both are refused.
    if (keyword == "port" && value.find_first_not_of("0123456789,") != std::string_view::npos) {
      problem = "the port is not a number (in a URI, write a '/' in the password as %2F)";
    } else if (uri && keyword == "dbname" && value.find('@') != std::string_view::npos) {
      problem = "the database name contains '@' (in a URI, write a '/' in the password as %2F)";
    }
  }
  PQconninfoFree(options);
  return problem;
}

std::optional<std::map<std::string, std::string>> conninfo_settings(const std::string& conninfo) {
  std::map<std::string, std::string> settings;
  if (conninfo.empty()) return settings;
  if (!looks_like_conninfo(conninfo)) {
    settings["dbname"] = conninfo;
    return settings;
  }
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (error != nullptr) PQfreemem(error);  // quotes the text: never surfaced
  if (options == nullptr) return std::nullopt;
  for (auto* option = options; option->keyword != nullptr; ++option) {
    if (option->val != nullptr && option->val[0] != '\0') settings[option->keyword] = option->val;
  }
  PQconninfoFree(options);
  return settings;
}

}  // namespace mexp
