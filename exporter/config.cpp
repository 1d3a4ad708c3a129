// TOML configuration loading and validation: every error names file, line, column and key, and
// unknown keys are errors (a typo must not silently fall back to a default).
#include "exporter/config.h"

#include <toml++/toml.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "core/collector.h"
#include "core/collector_options.h"
#include "core/conninfo_check.h"
#include "core/duration.h"
#include "exporter/environment_expansion.h"
#include "exporter/environment_targets.h"
#include "exporter/time_zone_check.h"

namespace mexp {
namespace {

struct Reader {
  const std::string& file;
  ConfigErrors& errors;

  void error(const toml::node& node, const std::string& key, const std::string& message) const {
    const auto& begin = node.source().begin;
    errors.add({file, static_cast<int>(begin.line), static_cast<int>(begin.column), key, message});
  }

  void check_keys(const toml::table& table, const std::string& path,
                  const std::set<std::string>& allowed) const {
    for (const auto& [key, node] : table) {
      if (allowed.contains(std::string(key.str()))) continue;
      const auto& begin = key.source().begin;  // point at the key, not its value
      errors.add({file, static_cast<int>(begin.line), static_cast<int>(begin.column),
                  path.empty() ? std::string(key.str()) : path + "." + std::string(key.str()),
                  "unknown key"});
    }
  }

  std::optional<std::string> string(const toml::table& table, const std::string& path,
                                    const char* key) const {
    const auto* node = table.get(key);
    if (node == nullptr) return std::nullopt;
    if (!node->is_string()) {
      error(*node, path + key, "must be a string");
      return std::nullopt;
    }
    return *node->value<std::string>();
  }

  std::optional<bool> boolean(const toml::table& table, const std::string& path,
                              const char* key) const {
    const auto* node = table.get(key);
    if (node == nullptr) return std::nullopt;
    if (!node->is_boolean()) {
      error(*node, path + key, "must be true or false");
      return std::nullopt;
    }
    return *node->value<bool>();
  }

  std::chrono::milliseconds duration(const toml::table& table, const std::string& path,
                                     const char* key, std::chrono::milliseconds fallback) const {
    const auto* node = table.get(key);
    if (node == nullptr) return fallback;
    if (node->is_string()) {
      if (auto parsed = parse_duration(*node->value<std::string>()); parsed && parsed->count() > 0)
        return *parsed;
    }
    error(*node, path + key, "must be a positive duration such as \"500ms\", \"5s\" or \"1m\"");
    return fallback;
  }

  const toml::table* table(const toml::table& parent, const std::string& path,
                           const char* key) const {
    const auto* node = parent.get(key);
    if (node == nullptr) return nullptr;
    if (!node->is_table()) {
      error(*node, path + key, "must be a table");
      return nullptr;
    }
    return node->as_table();
  }
};

struct Timeouts {
  std::chrono::milliseconds connect{5000};
  std::chrono::milliseconds statement{5000};
  std::chrono::milliseconds lock{100};
};

Timeouts read_timeouts(const Reader& reader, const toml::table& table, const std::string& path,
                       Timeouts base) {
  base.connect = reader.duration(table, path, "connect_timeout", base.connect);
  base.statement = reader.duration(table, path, "statement_timeout", base.statement);
  base.lock = reader.duration(table, path, "lock_timeout", base.lock);
  return base;
}

std::optional<std::string> read_file_secret(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string secret = buffer.str();
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  return secret;
}

// Builds the collectors of one target from [collectors.*] merged under [targets.collectors.*].
std::vector<CollectorPlan> plan_collectors(const Reader& reader, const toml::table* global,
                                           const toml::table* target_override,
                                           const std::string& target_path,
                                           const ConfigInputs& inputs, bool companion,
                                           bool discovering) {
  for (const auto* sections : {global, target_override}) {
    if (sections == nullptr) continue;
    for (const auto& [name, node] : *sections) {
      const std::string path =
          (sections == global ? std::string("collectors.") : target_path + "collectors.") +
          std::string(name.str());
      if (find_collector(std::string(name.str())) == nullptr) {
        std::string known;
        for (const auto& info : registered_collectors())
          known += (known.empty() ? "" : ", ") + info.name;
        reader.error(node, path, "unknown collector (known: " + known + ")");
      } else if (!node.is_table()) {
        reader.error(node, path, "must be a table");
      }
    }
  }
  std::vector<CollectorPlan> plans;
  for (const auto& info : registered_collectors()) {
    const auto section = [&](const toml::table* sections) -> const toml::table* {
      if (sections == nullptr) return nullptr;
      const auto* node = sections->get(info.name);
      return node != nullptr ? node->as_table() : nullptr;
    };
    const toml::table* own = section(target_override);
    toml::table forced;
    if (const auto* overrides = section(&inputs.collector_overrides)) {
      if (own != nullptr) forced = *own;
      for (const auto& [key, value] : *overrides) forced.insert_or_assign(key, value);
      own = &forced;
    }
    CollectorOptions options(section(global), own, "collectors." + info.name,
                             target_path + "collectors." + info.name, reader.file, reader.errors);
    bool enabled_by_default = info.enabled_by_default && !inputs.disable_default_collectors;
    if (auto flag = inputs.collector_defaults.find(info.name);
        flag != inputs.collector_defaults.end())
      enabled_by_default = flag->second;
    const bool enabled = options.get_bool("enabled", enabled_by_default);
    const bool own_interval =
        info.default_interval.count() > 0 && !inputs.default_interval_explicit;
    const auto own_default = own_interval ? info.default_interval : inputs.default_interval;
    const auto interval = options.get_duration("interval", own_default);
    if (interval.count() <= 0) options.error("interval", "must be positive");
    if (discovering && info.per_database && enabled) {
      const bool all = options.get_bool("all_databases", false);
      const bool listed = !options.get_strings("databases", {}).empty();
      const char* key = all ? "all_databases" : "databases";
      if (const auto* node = options.get_node(key); node != nullptr && (all || listed))
        options.error_at(*node, key,
                         "auto-discovery already runs this collector in every database: drop "
                         "all_databases/databases, or auto-discovery");
    }
    // Options are validated even for disabled collectors: a typo should not wait for the day the
    // collector is switched on.
    auto collector = info.factory(options);
    options.report_unknown_keys();
    if (!enabled || (companion && info.postgres_exporter_only)) continue;
    CollectorPlan plan{info.name, interval, std::move(collector),
                       companion ? info.postgres_exporter_families : std::vector<std::string>{},
                       nullptr};
    if (discovering && info.per_database) {
      // Copies: the parsed file is gone by the time a database is discovered.
      const auto copy = [](const toml::table* table) {
        return table != nullptr ? std::make_shared<const toml::table>(*table) : nullptr;
      };
      plan.make_another = [global_section = copy(section(global)), own_section = copy(own),
                           factory = info.factory, name = info.name, file = reader.file]() {
        ConfigErrors ignored;  // the same options were validated above
        CollectorOptions again(global_section.get(), own_section.get(), "collectors." + name,
                               "collectors." + name, file, ignored);
        return std::shared_ptr<Collector>(factory(again));
      };
    }
    plans.push_back(std::move(plan));
  }
  return plans;
}

// One [[targets]] entry without its collectors and timeouts: name, DSN and password.
TargetConfig read_target(const Reader& reader, const toml::table& table, const std::string& path) {
  reader.check_keys(
      table, path.substr(0, path.size() - 1),
      {"name", "dsn", "password_env", "password_file", "connect_timeout", "statement_timeout",
       "lock_timeout", "time_zone", "collectors", "auto_discovery"});
  TargetConfig target;
  target.name = reader.string(table, path, "name").value_or("");
  if (target.name.empty())
    reader.error(table, path + "name", "every target needs a non-empty name");
  if (auto dsn = reader.string(table, path, "dsn")) {
    std::string problem;
    if (auto expanded = expand_environment(*dsn, problem)) {
      // Checked here, not at the first connection: libpq's parse errors quote the DSN (password
      // included), and --check-config must reject what every poll would fail on.
      if (auto unparsable = conninfo_problem(*expanded)) {
        reader.error(*table.get("dsn"), path + "dsn", "the DSN cannot be parsed: " + *unparsable);
      } else {
        target.session.conninfo = *expanded;
      }
    } else {
      reader.error(*table.get("dsn"), path + "dsn", problem);
    }
  }
  const auto password_env = reader.string(table, path, "password_env");
  const auto password_file = reader.string(table, path, "password_file");
  if (password_env && password_file) {
    reader.error(*table.get("password_file"), path + "password_file",
                 "give password_env or password_file, not both");
  } else if (password_env) {
    const char* value = std::getenv(password_env->c_str());
    if (value == nullptr || value[0] == '\0') {
      reader.error(*table.get("password_env"), path + "password_env",
                   "environment variable '" + *password_env + "' is not set or empty");
    } else {
      target.session.password = value;
    }
  } else if (password_file) {
    if (auto secret = read_file_secret(*password_file)) {
      target.session.password = *secret;
    } else {
      reader.error(*table.get("password_file"), path + "password_file",
                   "cannot read '" + *password_file + "'");
    }
  }
  if (auto time_zone = reader.string(table, path, "time_zone")) {
    if (auto problem = time_zone_problem(*time_zone)) {
      reader.error(*table.get("time_zone"), path + "time_zone", *problem);
    } else {
      target.session.time_zone = *time_zone;
    }
  }
  return target;
}

std::size_t fingerprint_of(std::string_view text, const Config& config) {
  std::string material(text);
  for (const auto& target : config.targets) {
    const auto& session = target.session;
    for (const auto* part :
         {&target.name, &session.conninfo, &session.password, &session.time_zone})
      material += '\0' + *part;
  }
  return std::hash<std::string>{}(material);
}

}  // namespace

std::optional<Config> load_config(const ConfigInputs& inputs, ConfigErrors& errors) {
  if (inputs.file.empty()) return load_config_text("", inputs, errors);
  std::ifstream in(inputs.file);
  if (!in) {
    errors.add({inputs.file, 0, 0, "", "cannot read the configuration file"});
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  return load_config_text(text.str(), inputs, errors);
}

std::optional<Config> load_config_text(std::string_view text, const ConfigInputs& inputs,
                                       ConfigErrors& errors) {
  Config config;
  config.file = inputs.file;
  toml::table root;
  try {
    root = toml::parse(text, inputs.file);
  } catch (const toml::parse_error& error) {
    const auto& begin = error.source().begin;
    errors.add({inputs.file, static_cast<int>(begin.line), static_cast<int>(begin.column), "",
                std::string(error.description())});
    return std::nullopt;
  }
  if (!inputs.file.empty() && root.empty()) {
    // A file truncated by config management must not quietly swap every target for the default.
    errors.add({inputs.file, 0, 0, "",
                "the file holds no settings (empty or only comments); refused, so that a "
                "truncated file never replaces the configured targets"});
    return std::nullopt;
  }
  const Reader reader{inputs.file, errors};
  // [check] configures the deploy gate (`migration_exporter check`), which validates it.
  reader.check_keys(root, "",
                    {"targets", "collectors", "compat", "check", "connect_timeout",
                     "statement_timeout", "lock_timeout", "auto_discovery"});
  config.companion = inputs.companion;
  if (const toml::table* compat = reader.table(root, "", "compat")) {
    reader.check_keys(*compat, "compat", {"companion"});
    config.companion =
        config.companion || reader.boolean(*compat, "compat.", "companion").value_or(false);
  }
  const Timeouts global_timeouts = read_timeouts(reader, root, "", Timeouts{});
  const toml::table* global_collectors = reader.table(root, "", "collectors");
  const toml::table* global_discovery = reader.table(root, "", "auto_discovery");

  const auto add_target = [&](TargetConfig target, const toml::table* target_collectors,
                              const toml::table* target_discovery, const std::string& path,
                              const Timeouts& timeouts) {
    target.session.connect_timeout = timeouts.connect;
    target.session.statement_timeout = timeouts.statement;
    target.session.lock_timeout = timeouts.lock;
    target.discovery = read_database_discovery(global_discovery, target_discovery, path,
                                               inputs.file, inputs.discovery_defaults, errors);
    target.collectors = plan_collectors(reader, global_collectors, target_collectors, path, inputs,
                                        config.companion, target.discovery.enabled);
    target.companion = config.companion;
    config.targets.push_back(std::move(target));
  };

  const auto* targets_node = root.get("targets");
  if (targets_node == nullptr) {
    for (auto& from_environment : environment_targets(errors)) {
      TargetConfig target;
      target.name = std::move(from_environment.name);
      target.session.conninfo = std::move(from_environment.conninfo);
      target.session.password = std::move(from_environment.password);
      add_target(std::move(target), nullptr, nullptr, "", global_timeouts);
    }
  } else if (!targets_node->is_array_of_tables()) {
    reader.error(*targets_node, "targets", "must be an array of tables ([[targets]])");
  } else {
    config.targets_from_file = true;
    std::set<std::string> names;
    int index = 0;
    for (const auto& element : *targets_node->as_array()) {
      const std::string path = "targets[" + std::to_string(index++) + "].";
      const auto& table = *element.as_table();
      TargetConfig target = read_target(reader, table, path);
      if (!target.name.empty() && !names.insert(target.name).second) {
        reader.error(*table.get("name"), path + "name",
                     "duplicate target name '" + target.name + "'");
      }
      const Timeouts timeouts = read_timeouts(reader, table, path, global_timeouts);
      add_target(std::move(target), reader.table(table, path, "collectors"),
                 reader.table(table, path, "auto_discovery"), path, timeouts);
    }
    if (index == 0)
      reader.error(*targets_node, "targets", "at least one [[targets]] entry is needed");
  }
  config.label_targets = config.targets.size() > 1;
  if (!errors.empty()) return std::nullopt;
  config.fingerprint = fingerprint_of(text, config);
  return config;
}

}  // namespace mexp
