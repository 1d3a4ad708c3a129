// The exporter's configuration: targets (databases) and, per target, the collectors to run with
// their intervals and options. Loaded from a TOML file, or built from the environment alone.
#pragma once

#include <toml++/toml.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config_errors.h"
#include "core/pg_session.h"

namespace mexp {

class Collector;

struct CollectorPlan {
  std::string name;
  std::chrono::milliseconds interval{0};
  std::shared_ptr<Collector> collector;
};

struct TargetConfig {
  std::string name;
  SessionSettings session;
  std::vector<CollectorPlan> collectors;
};

struct Config {
  std::string file;  // empty when built from the environment
  std::vector<TargetConfig> targets;
  // With several targets every series carries a `target` label; with one it does not.
  bool label_targets = false;
};

struct ConfigInputs {
  std::string file;                                   // --config.file; empty = none
  std::chrono::milliseconds default_interval{15000};  // --poll.interval
  // Options laid over every target's collector sections, shaped like [collectors]: the deploy gate
  // (`check`) switches on the collectors its checks read and passes its thresholds this way.
  toml::table collector_overrides{};
};

// Returns the configuration, or nullopt with every problem found in `errors`.
std::optional<Config> load_config(const ConfigInputs& inputs, ConfigErrors& errors);
// The same from the file's text (inputs.file only names it in errors); used by the fuzzer.
std::optional<Config> load_config_text(std::string_view text, const ConfigInputs& inputs,
                                       ConfigErrors& errors);

// "${NAME}" is replaced by the environment variable NAME ("$$" is a literal "$"). Returns nullopt
// and sets `missing` when a variable is not set.
std::optional<std::string> expand_environment(const std::string& text, std::string& missing);

}  // namespace mexp
