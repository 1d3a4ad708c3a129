// The exporter web configuration file (--web.config.file): the same YAML every Prometheus exporter
// reads (tls_server_config, http_server_config, basic_auth_users), so one file serves all
// exporters on a host and `promtool check web-config` validates it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/config_errors.h"

namespace mexp {

struct TlsServerConfig {
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;
  // NoClientCert, RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven,
  // RequireAndVerifyClientCert
  std::string client_auth_type = "NoClientCert";
  std::string min_version = "TLS12";           // TLS10, TLS11, TLS12, TLS13
  std::string max_version;                     // empty: the highest the library supports
  std::vector<std::string> cipher_suites;      // Go names (TLS_ECDHE_RSA_WITH_...); empty: default
  std::vector<std::string> curve_preferences;  // Go names (X25519, CurveP256, ...); empty: default
};

struct WebConfig {
  std::optional<TlsServerConfig> tls;
  std::map<std::string, std::string> basic_auth_users;  // user -> bcrypt hash
  std::vector<std::pair<std::string, std::string>> headers;
  // The file it was read from and every file it names: the server re-reads them when one changes
  // (certificate rotation without a restart). Empty for a configuration built in code.
  std::string source_file;
  std::vector<std::string> watched_files;
};

// Returns nullopt with every problem in `errors`. Relative file paths are relative to the web
// config file, as in exporter-toolkit.
std::optional<WebConfig> load_web_config(const std::string& path, ConfigErrors& errors);

}  // namespace mexp
