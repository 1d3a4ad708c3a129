// The exporter's configuration: targets (databases) and, per target, the collectors to run with
// their intervals and options. Loaded from a TOML file, or built from the environment alone.
#pragma once

#include <toml++/toml.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config_errors.h"
#include "core/pg_session.h"
#include "exporter/database_discovery.h"

namespace mexp {

class Collector;

struct CollectorPlan {
  std::string name;
  std::chrono::milliseconds interval{0};
  std::shared_ptr<Collector> collector;
  // Companion mode: the collector's families that postgres_exporter also exports, left out of its
  // output (empty otherwise).
  std::vector<std::string> dropped_families;
  // Per-database collectors only: a fresh instance built from the same options, for each database
  // auto-discovery finds (a collector keeps per-database state between polls).
  std::function<std::shared_ptr<Collector>()> make_another;
};

struct TargetConfig {
  std::string name;
  SessionSettings session;
  std::vector<CollectorPlan> collectors;
  // Companion mode: pg_up and pg_exporter_last_scrape_error, postgres_exporter's names, are not
  // exported either (migration_exporter_database_up carries the same value).
  bool companion = false;
  DatabaseDiscovery discovery;
};

struct Config {
  std::string file;  // empty when built from the environment
  std::vector<TargetConfig> targets;
  // With several targets every series carries a `target` label; with one it does not.
  bool label_targets = false;
  // [compat] companion = true or --compat.companion: export only what postgres_exporter does not.
  bool companion = false;
  // True when the targets are the file's [[targets]], false when they come from the environment.
  bool targets_from_file = false;
  // Digest of everything the configuration was built from (file text, resolved DSNs and
  // secrets): equal digests mean a reload would change nothing, so nothing is restarted.
  std::size_t fingerprint = 0;
};

struct ConfigInputs {
  std::string file;                                   // --config.file; empty = none
  std::chrono::milliseconds default_interval{15000};  // --poll.interval
  bool companion = false;                             // --compat.companion
  // Given on the command line: then it is the default of every collector, the live ones (whose
  // own default is a few seconds) included.
  bool default_interval_explicit = false;
  // --collector.<name> (true) and --no-collector.<name> (false): replace the registry's default;
  // a collector's `enabled` key in the file still wins.
  std::map<std::string, bool> collector_defaults{};
  bool disable_default_collectors = false;  // --collector.disable-defaults
  // --auto-discover-databases, --include-databases, --exclude-databases: defaults of every
  // target's [auto_discovery].
  DatabaseDiscovery discovery_defaults{};
  // Options laid over every target's collector sections, shaped like [collectors]: the deploy gate
  // (`check`) switches on the collectors its checks read and passes its thresholds this way.
  toml::table collector_overrides{};
};

// Returns the configuration, or nullopt with every problem found in `errors`.
std::optional<Config> load_config(const ConfigInputs& inputs, ConfigErrors& errors);
// The same from the file's text (inputs.file only names it in errors); used by the fuzzer.
std::optional<Config> load_config_text(std::string_view text, const ConfigInputs& inputs,
                                       ConfigErrors& errors);

}  // namespace mexp
