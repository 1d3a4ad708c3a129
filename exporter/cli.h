// Command-line flags in the Prometheus ecosystem's style (--web.listen-address=:10211 or
// --web.listen-address :10211).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "exporter/database_discovery.h"

namespace mexp {

inline constexpr const char* kDefaultListenAddress = ":10211";

struct Flags {
  std::string config_file;
  std::string web_config_file;
  // Every --web.listen-address given (the flag repeats); the default when none is.
  std::vector<std::string> listen_addresses{kDefaultListenAddress};
  std::string telemetry_path = "/metrics";
  bool enable_lifecycle = false;  // POST /-/reload (SIGHUP always reloads)
  std::chrono::milliseconds poll_interval{15000};
  bool poll_interval_given = false;
  // --collector.<name> → true, --no-collector.<name> → false (names from the registry).
  std::map<std::string, bool> collector_defaults;
  bool disable_default_collectors = false;
  std::string log_level = "info";
  std::string log_format = "logfmt";
  bool version = false;
  bool check_config = false;
  bool companion = false;  // --compat.companion
  // --auto-discover-databases, --include-databases=a,b, --exclude-databases=a,b
  // (postgres_exporter's names): the defaults of [auto_discovery].
  DatabaseDiscovery discovery;
  bool help = false;
};

// Returns nullopt and fills `error` for an unknown flag, a missing value or a bad value.
std::optional<Flags> parse_flags(const std::vector<std::string>& args, std::string& error);
std::string usage();

}  // namespace mexp
