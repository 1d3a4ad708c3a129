// Parsing and validation of the exporter web configuration YAML.
#include "exporter/web_config.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "exporter/tls_context.h"

namespace mexp {
namespace {

struct Reader {
  const std::string& file;
  ConfigErrors& errors;

  void error(const YAML::Node& node, const std::string& key, const std::string& message) const {
    const auto mark = node.Mark();
    errors.add({file, mark.line >= 0 ? mark.line + 1 : 0, mark.column >= 0 ? mark.column + 1 : 0,
                key, message});
  }

  void check_keys(const YAML::Node& map, const std::string& path,
                  const std::set<std::string>& allowed) const {
    for (const auto& entry : map) {
      const auto key = entry.first.as<std::string>();
      if (!allowed.contains(key))
        error(entry.first, path.empty() ? key : path + "." + key, "unknown key");
    }
  }

  std::vector<std::string> strings(const YAML::Node& map, const std::string& path,
                                   const char* key) const {
    std::vector<std::string> values;
    const auto node = map[key];
    if (!node || node.IsNull()) return values;
    if (!node.IsSequence()) {
      error(node, path + "." + key, "must be a list of strings");
      return values;
    }
    for (const auto& item : node) {
      if (!item.IsScalar()) {
        error(item, path + "." + key, "must be a list of strings");
        continue;
      }
      values.push_back(item.as<std::string>());
    }
    return values;
  }

  std::string string(const YAML::Node& map, const std::string& path, const char* key) const {
    const auto node = map[key];
    if (!node) return "";
    if (!node.IsScalar()) {
      error(node, path + "." + key, "must be a string");
      return "";
    }
    return node.as<std::string>();
  }
};

std::string resolve(const std::string& base_file, const std::string& path) {
  if (path.empty() || std::filesystem::path(path).is_absolute()) return path;
  return (std::filesystem::path(base_file).parent_path() / path).string();
}

bool readable(const std::string& path) { return std::ifstream(path).good(); }

const std::set<std::string> kTlsVersions = {"TLS10", "TLS11", "TLS12", "TLS13"};
const std::set<std::string> kClientAuthTypes = {"NoClientCert", "RequestClientCert",
                                                "RequireAnyClientCert", "VerifyClientCertIfGiven",
                                                "RequireAndVerifyClientCert"};

}  // namespace

std::optional<WebConfig> load_web_config(const std::string& path, ConfigErrors& errors) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    errors.add({path, 0, 0, "", "cannot read the web configuration file"});
    return std::nullopt;
  } catch (const YAML::ParserException& error) {
    errors.add({path, error.mark.line + 1, error.mark.column + 1, "", error.msg});
    return std::nullopt;
  }
  WebConfig config;
  if (root.IsNull()) {  // an empty file: plain HTTP, no auth (as in exporter-toolkit)
    config.source_file = path;
    config.watched_files.push_back(path);
    return config;
  }
  const Reader reader{path, errors};
  if (!root.IsMap()) {
    reader.error(root, "", "must be a mapping");
    return std::nullopt;
  }
  reader.check_keys(root, "", {"tls_server_config", "http_server_config", "basic_auth_users"});

  if (const auto tls = root["tls_server_config"]; tls && !tls.IsNull()) {
    if (!tls.IsMap()) {
      reader.error(tls, "tls_server_config", "must be a mapping");
    } else {
      reader.check_keys(tls, "tls_server_config",
                        {"cert_file", "key_file", "client_ca_file", "client_auth_type",
                         "min_version", "max_version", "cipher_suites", "curve_preferences"});
      TlsServerConfig parsed;
      parsed.cert_file = resolve(path, reader.string(tls, "tls_server_config", "cert_file"));
      parsed.key_file = resolve(path, reader.string(tls, "tls_server_config", "key_file"));
      parsed.client_ca_file =
          resolve(path, reader.string(tls, "tls_server_config", "client_ca_file"));
      if (auto type = reader.string(tls, "tls_server_config", "client_auth_type"); !type.empty()) {
        parsed.client_auth_type = type;
      }
      if (auto version = reader.string(tls, "tls_server_config", "min_version"); !version.empty()) {
        parsed.min_version = version;
      }
      parsed.max_version = reader.string(tls, "tls_server_config", "max_version");
      if (parsed.cert_file.empty())
        reader.error(tls, "tls_server_config.cert_file", "is required for TLS");
      if (parsed.key_file.empty())
        reader.error(tls, "tls_server_config.key_file", "is required for TLS");
      for (const auto& [key, file] :
           {std::pair<const char*, const std::string*>{"cert_file", &parsed.cert_file},
            {"key_file", &parsed.key_file},
            {"client_ca_file", &parsed.client_ca_file}}) {
        if (!file->empty() && !readable(*file)) {
          reader.error(tls[key], std::string("tls_server_config.") + key,
                       "cannot read '" + *file + "'");
        }
      }
      if (!kClientAuthTypes.contains(parsed.client_auth_type)) {
        reader.error(tls["client_auth_type"], "tls_server_config.client_auth_type",
                     "unknown client_auth_type '" + parsed.client_auth_type + "'");
      }
      const bool verifies = parsed.client_auth_type == "VerifyClientCertIfGiven" ||
                            parsed.client_auth_type == "RequireAndVerifyClientCert";
      if (verifies && parsed.client_ca_file.empty()) {
        reader.error(tls, "tls_server_config.client_ca_file",
                     "is required with client_auth_type " + parsed.client_auth_type);
      }
      for (const auto& [key, version] :
           {std::pair<const char*, const std::string*>{"min_version", &parsed.min_version},
            {"max_version", &parsed.max_version}}) {
        if (!version->empty() && !kTlsVersions.contains(*version)) {
          reader.error(tls[key], std::string("tls_server_config.") + key,
                       "must be one of TLS10, TLS11, TLS12, TLS13; got '" + *version + "'");
        }
      }
      parsed.cipher_suites = reader.strings(tls, "tls_server_config", "cipher_suites");
      for (const auto& name : parsed.cipher_suites) {
        if (const auto problem = cipher_suite_problem(name); !problem.empty())
          reader.error(tls["cipher_suites"], "tls_server_config.cipher_suites", problem);
      }
      parsed.curve_preferences = reader.strings(tls, "tls_server_config", "curve_preferences");
      for (const auto& name : parsed.curve_preferences) {
        if (const auto problem = curve_problem(name); !problem.empty())
          reader.error(tls["curve_preferences"], "tls_server_config.curve_preferences", problem);
      }
      config.tls = parsed;
    }
  }

  if (const auto http = root["http_server_config"]; http && !http.IsNull()) {
    if (!http.IsMap()) {
      reader.error(http, "http_server_config", "must be a mapping");
    } else {
      reader.check_keys(http, "http_server_config", {"http2", "headers"});
      // This server speaks HTTP/1.1 only: `http2: false` is what it does anyway, `true` cannot be
      // honoured and is refused rather than silently ignored.
      if (const auto http2 = http["http2"]; http2 && !http2.IsNull()) {
        bool enabled = false;
        if (!http2.IsScalar() || !YAML::convert<bool>::decode(http2, enabled)) {
          reader.error(http2, "http_server_config.http2", "must be true or false");
        } else if (enabled) {
          reader.error(http2, "http_server_config.http2",
                       "HTTP/2 is not supported (this server speaks HTTP/1.1); set it to false or "
                       "remove it");
        }
      }
      if (const auto headers = http["headers"]; headers) {
        if (!headers.IsMap()) {
          reader.error(headers, "http_server_config.headers",
                       "must be a mapping of header names to values");
        } else {
          for (const auto& entry : headers) {
            config.headers.emplace_back(entry.first.as<std::string>(),
                                        entry.second.as<std::string>());
          }
        }
      }
    }
  }

  if (const auto users = root["basic_auth_users"]; users && !users.IsNull()) {
    if (!users.IsMap()) {
      reader.error(users, "basic_auth_users", "must be a mapping of user names to bcrypt hashes");
    } else {
      for (const auto& entry : users) {
        const auto user = entry.first.as<std::string>();
        const auto hash = entry.second.IsScalar() ? entry.second.as<std::string>() : std::string();
        if (hash.rfind("$2y$", 0) != 0 && hash.rfind("$2b$", 0) != 0 &&
            hash.rfind("$2a$", 0) != 0) {
          // The hash is not echoed: a plain-text password pasted here by mistake must not reach
          // logs.
          reader.error(entry.second, "basic_auth_users." + user,
                       "must be a bcrypt hash ($2y$, $2b$ or $2a$)");
          continue;
        }
        config.basic_auth_users[user] = hash;
      }
    }
  }
  if (!errors.empty()) return std::nullopt;
  config.source_file = path;
  config.watched_files.push_back(path);
  if (config.tls) {
    for (const auto* file :
         {&config.tls->cert_file, &config.tls->key_file, &config.tls->client_ca_file}) {
      if (!file->empty()) config.watched_files.push_back(*file);
    }
  }
  return config;
}

}  // namespace mexp
