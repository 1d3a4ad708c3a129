// The deploy gate's settings: `check` flags laid over the [check] section of the exporter's TOML
// configuration, with every error naming its flag, or its file, line, column and key.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/config_errors.h"
#include "gate/check.h"

namespace mexp::gate {

enum class OutputFormat { text, json, junit };

struct CheckSettings {
  bool enabled = true;
  Limit limit;
};

struct GateSettings {
  Phase phase = Phase::pre;
  std::string config_file;
  OutputFormat output = OutputFormat::text;
  std::chrono::milliseconds wait{0};  // 0: one attempt
  std::chrono::milliseconds wait_interval{std::chrono::seconds(2)};
  std::vector<std::string> targets;             // empty: every configured target
  std::string color = "auto";                   // auto (a terminal and no NO_COLOR), always, never
  std::string log_level = "error";              // the collectors' warnings go to stderr at warn
  std::map<std::string, CheckSettings> checks;  // every registered check, by name
  bool help = false;
};

// Parses the arguments after `check`, then the config file's [check] section; flags win. Returns
// nullopt with every problem in `errors`.
std::optional<GateSettings> load_gate_settings(const std::vector<std::string>& args,
                                               ConfigErrors& errors);
std::string gate_usage();

}  // namespace mexp::gate
