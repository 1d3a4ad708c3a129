// Command-line flags in the Prometheus ecosystem's style (--web.listen-address=:10211 or
// --web.listen-address :10211).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace mexp {

inline constexpr const char* kDefaultListenAddress = ":10211";

struct Flags {
  std::string config_file;
  std::string web_config_file;
  std::string listen_address = kDefaultListenAddress;
  std::chrono::milliseconds poll_interval{15000};
  std::string log_level = "info";
  std::string log_format = "logfmt";
  bool version = false;
  bool check_config = false;
  bool companion = false;  // --compat.companion
  bool help = false;
};

// Returns nullopt and fills `error` for an unknown flag, a missing value or a bad value.
std::optional<Flags> parse_flags(const std::vector<std::string>& args, std::string& error);
std::string usage();

}  // namespace mexp
