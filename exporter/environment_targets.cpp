// environment_targets: DATA_SOURCE_NAME wins; files win over variables (postgres_exporter's order:
// DATA_SOURCE_NAME > DATA_SOURCE_{USER,PASS}_FILE > DATA_SOURCE_{USER,PASS}).
#include "exporter/environment_targets.h"

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "core/conninfo_check.h"
#include "core/pg_session.h"

namespace mexp {
namespace {

constexpr const char* kEnvironment = "<environment>";

std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

std::string trimmed(std::string text) {
  const auto not_space = [](unsigned char c) { return std::isspace(c) == 0; };
  std::size_t begin = 0;
  while (begin < text.size() && !not_space(text[begin])) ++begin;
  std::size_t end = text.size();
  while (end > begin && !not_space(text[end - 1])) --end;
  return text.substr(begin, end - begin);
}

// NAME_FILE's content (trimmed, as postgres_exporter does) when NAME_FILE is set, else NAME.
std::string variable_or_file(const std::string& name, ConfigErrors& errors) {
  const std::string file_variable = name + "_FILE";
  const std::string path = environment(file_variable.c_str());
  if (path.empty()) return environment(name.c_str());
  std::ifstream in(path);
  if (!in) {
    errors.add({kEnvironment, 0, 0, file_variable, "cannot read '" + path + "'"});
    return "";
  }
  std::stringstream content;
  content << in.rdbuf();
  return trimmed(content.str());
}

// RFC 3986 userinfo: everything but unreserved characters is percent-encoded.
std::string percent_encoded(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

bool starts_a_dsn(const std::string& text) {
  const std::string rest = trimmed(text);
  if (rest.starts_with("postgresql://") || rest.starts_with("postgres://")) return true;
  std::size_t i = 0;
  while (i < rest.size() && (std::isalnum(static_cast<unsigned char>(rest[i])) || rest[i] == '_'))
    ++i;
  while (i < rest.size() && rest[i] == ' ') ++i;
  return i > 0 && i < rest.size() && rest[i] == '=';
}

// host:port/dbname, the label a target of a list is known by (never the user or password).
std::string list_entry_name(const std::string& conninfo) {
  auto settings = conninfo_settings(conninfo).value_or(std::map<std::string, std::string>{});
  const auto pick = [&](const char* key, const char* fallback) {
    auto found = settings.find(key);
    return found != settings.end() ? found->second : std::string(fallback);
  };
  return pick("host", "localhost") + ":" + pick("port", "5432") + "/" + expected_datname(conninfo);
}

}  // namespace

std::vector<std::string> split_data_source_names(const std::string& text) {
  std::vector<std::string> entries;
  std::string current;
  bool first = true;
  std::size_t start = 0;
  while (true) {
    const auto comma = text.find(',', start);
    const std::string piece =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (trimmed(piece).empty()) {
      // "a,,b" and a trailing comma separate; they add no entry.
    } else if (first) {
      current = piece;
      first = false;
    } else if (starts_a_dsn(piece)) {
      entries.push_back(trimmed(current));
      current = piece;
    } else {
      current += "," + piece;
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  entries.push_back(trimmed(current));
  return entries;
}

std::vector<EnvironmentTarget> environment_targets(ConfigErrors& errors) {
  std::vector<EnvironmentTarget> targets;
  const std::string names = environment("DATA_SOURCE_NAME");
  if (!names.empty()) {
    const auto dsns = split_data_source_names(names);
    std::set<std::string> taken;
    for (std::size_t i = 0; i < dsns.size(); ++i) {
      const std::string key =
          dsns.size() == 1 ? "DATA_SOURCE_NAME" : "DATA_SOURCE_NAME[" + std::to_string(i) + "]";
      if (dsns[i].empty()) {
        errors.add({kEnvironment, 0, 0, key, "empty entry in the list"});
        continue;
      }
      if (auto problem = conninfo_problem(dsns[i])) {
        errors.add({kEnvironment, 0, 0, key, "the DSN cannot be parsed: " + *problem});
        continue;
      }
      std::string name = dsns.size() == 1 ? "default" : list_entry_name(dsns[i]);
      for (int suffix = 2; !taken.insert(name).second; ++suffix)
        name = list_entry_name(dsns[i]) + "#" + std::to_string(suffix);
      targets.push_back({name, dsns[i], ""});
    }
    return targets;
  }
  std::string uri = variable_or_file("DATA_SOURCE_URI", errors);
  const std::string user = variable_or_file("DATA_SOURCE_USER", errors);
  const std::string password = variable_or_file("DATA_SOURCE_PASS", errors);
  if (uri.empty()) {
    if (!user.empty() || !password.empty()) {
      errors.add({kEnvironment, 0, 0, "DATA_SOURCE_URI",
                  "DATA_SOURCE_USER or DATA_SOURCE_PASS is set but DATA_SOURCE_URI is not (it "
                  "holds host:port/database)"});
    }
    targets.push_back({"default", "", ""});
    return targets;
  }
  for (const char* scheme : {"postgresql://", "postgres://"}) {
    if (uri.starts_with(scheme)) uri.erase(0, std::string(scheme).size());
  }
  // The password stays out of the URI: libpq gets it as a parameter of its own, and it is redacted
  // from every message like password_file's.
  std::string conninfo = "postgresql://" + (user.empty() ? "" : percent_encoded(user) + "@") + uri;
  if (auto problem = conninfo_problem(conninfo)) {
    errors.add({kEnvironment, 0, 0, "DATA_SOURCE_URI", "cannot be parsed: " + *problem});
    return targets;
  }
  targets.push_back({"default", std::move(conninfo), password});
  return targets;
}

}  // namespace mexp
