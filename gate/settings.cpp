// Reading the gate's flags and its [check] config section (see settings.h).
#include "gate/settings.h"

#include <fstream>
#include <set>
#include <sstream>

#include "core/default_config_file.h"
#include "core/duration.h"

namespace mexp::gate {
namespace {

// Flags that name one check's limit directly, as a pipeline writes them.
const std::map<std::string, std::string> kLimitAliases = {
    {"--expect-version", "expected_version"},
    {"--max-lag", "replication_lag"},
};

void flag_error(ConfigErrors& errors, const std::string& flag, const std::string& message) {
  errors.add({"", 0, 0, flag, message});
}

void node_error(ConfigErrors& errors, const std::string& file, const toml::node& node,
                const std::string& key, const std::string& message) {
  const auto& begin = node.source().begin;
  errors.add({file, static_cast<int>(begin.line), static_cast<int>(begin.column), key, message});
}

std::optional<std::chrono::milliseconds> positive_duration(const std::string& text) {
  auto parsed = parse_duration(text);
  if (!parsed || parsed->count() <= 0) return std::nullopt;
  return parsed;
}

// The [check] section: wait, wait_interval, and [check.<name>] tables with enabled and limit.
void read_section(const std::string& file, GateSettings& settings, ConfigErrors& errors) {
  if (file.empty()) return;
  std::ifstream in(file);
  if (!in) return;  // load_config reports an unreadable file
  std::stringstream text;
  text << in.rdbuf();
  toml::table root;
  try {
    root = toml::parse(text.str(), file);
  } catch (const toml::parse_error&) {
    return;  // load_config reports it with its place
  }
  const auto* node = root.get("check");
  if (node == nullptr) return;
  const auto* section = node->as_table();
  if (section == nullptr) return node_error(errors, file, *node, "check", "must be a table");
  for (const auto& [key, value] : *section) {
    const std::string name(key.str());
    const std::string path = "check." + name;
    if (name == "wait" || name == "wait_interval") {
      const auto parsed =
          value.is_string() ? parse_duration(value.as_string()->get()) : std::nullopt;
      if (!parsed || (name == "wait_interval" && parsed->count() <= 0)) {
        node_error(errors, file, value, path, "must be a duration such as \"30s\" or \"2m\"");
      } else {
        (name == "wait" ? settings.wait : settings.wait_interval) = *parsed;
      }
      continue;
    }
    const auto* check = find_gate_check(name);
    if (check == nullptr) {
      std::string known;
      for (const auto& candidate : gate_checks())
        known += (known.empty() ? "" : ", ") + candidate.name;
      node_error(errors, file, value, path,
                 "unknown key (wait, wait_interval, or a check: " + known + ")");
      continue;
    }
    const auto* options = value.as_table();
    if (options == nullptr) {
      node_error(errors, file, value, path, "must be a table with enabled and/or limit");
      continue;
    }
    auto& own = settings.checks[name];
    for (const auto& [option_key, option] : *options) {
      const std::string option_name(option_key.str());
      if (option_name == "enabled" && option.is_boolean()) {
        own.enabled = option.as_boolean()->get();
      } else if (option_name == "enabled") {
        node_error(errors, file, option, path + ".enabled", "must be true or false");
      } else if (option_name == "limit") {
        std::string why;
        if (auto limit = limit_from_toml(check->limit_kind, option, why)) {
          own.limit = *limit;
        } else {
          node_error(errors, file, option, path + ".limit", why);
        }
      } else {
        node_error(errors, file, option, path + "." + option_name, "unknown key (enabled, limit)");
      }
    }
  }
}

bool set_check_limit(GateSettings& settings, const std::string& flag, const std::string& check,
                     const std::string& value, ConfigErrors& errors) {
  const auto* found = find_gate_check(check);
  if (found == nullptr) {
    flag_error(errors, flag, "unknown check '" + check + "'");
    return false;
  }
  std::string why;
  auto limit = parse_limit(found->limit_kind, value, why);
  if (!limit) {
    flag_error(errors, flag, why + "; got '" + value + "'");
    return false;
  }
  settings.checks[check].limit = *limit;
  return true;
}

}  // namespace

std::optional<GateSettings> load_gate_settings(const std::vector<std::string>& args,
                                               ConfigErrors& errors) {
  GateSettings settings;
  for (const auto& check : gate_checks()) {
    auto& own = settings.checks[check.name];
    own.limit.kind = check.limit_kind;
    std::string ignored;
    if (!check.default_limit.empty())
      own.limit = *parse_limit(check.limit_kind, check.default_limit, ignored);
  }
  // Flags are read in two rounds: --config.file first (the [check] section comes next), then the
  // rest, which win over the section.
  std::vector<std::pair<std::string, std::string>> flags;
  bool phase_given = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i], value;
    bool has_value = false;
    if (const auto eq = name.find('='); eq != std::string::npos && name.rfind("--", 0) == 0) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    if (name == "--help" || name == "-h") {
      settings.help = true;
      return settings;
    }
    if (!has_value) {
      if (i + 1 >= args.size()) {
        flag_error(errors, name, "needs a value (see check --help)");
        continue;
      }
      value = args[++i];
    }
    if (name == "--config.file") {
      settings.config_file = value;
    } else {
      flags.emplace_back(name, value);
    }
  }
  if (settings.config_file.empty()) settings.config_file = default_config_file();
  read_section(settings.config_file, settings, errors);

  for (const auto& [name, value] : flags) {
    if (name == "--phase") {
      if (value != "pre" && value != "post") {
        flag_error(errors, name, "must be pre or post; got '" + value + "'");
      } else {
        settings.phase = value == "pre" ? Phase::pre : Phase::post;
        phase_given = true;
      }
    } else if (name == "--output") {
      if (value == "text") {
        settings.output = OutputFormat::text;
      } else if (value == "json") {
        settings.output = OutputFormat::json;
      } else if (value == "junit") {
        settings.output = OutputFormat::junit;
      } else {
        flag_error(errors, name, "must be text, json or junit; got '" + value + "'");
      }
    } else if (name == "--wait") {
      const auto parsed = parse_duration(value);
      if (!parsed) {
        flag_error(errors, name,
                   "must be a duration such as 2m (0s: no wait); got '" + value + "'");
      } else {
        settings.wait = *parsed;
      }
    } else if (name == "--wait.interval") {
      if (const auto parsed = positive_duration(value)) {
        settings.wait_interval = *parsed;
      } else {
        flag_error(errors, name, "must be a positive duration such as 2s; got '" + value + "'");
      }
    } else if (name == "--target") {
      settings.targets.push_back(value);
    } else if (name == "--skip") {
      std::stringstream list(value);
      std::string check;
      while (std::getline(list, check, ',')) {
        if (find_gate_check(check) == nullptr) {
          flag_error(errors, name, "unknown check '" + check + "'");
        } else {
          settings.checks[check].enabled = false;
        }
      }
    } else if (name == "--color") {
      if (value != "auto" && value != "always" && value != "never") {
        flag_error(errors, name, "must be auto, always or never; got '" + value + "'");
      } else {
        settings.color = value;
      }
    } else if (name == "--log.level") {
      if (value != "debug" && value != "info" && value != "warn" && value != "error") {
        flag_error(errors, name, "must be one of debug, info, warn, error; got '" + value + "'");
      } else {
        settings.log_level = value;
      }
    } else if (const auto alias = kLimitAliases.find(name); alias != kLimitAliases.end()) {
      set_check_limit(settings, name, alias->second, value, errors);
    } else if (name.rfind("--check.", 0) == 0 && name.size() > 14 &&
               name.substr(name.size() - 6) == ".limit") {
      set_check_limit(settings, name, name.substr(8, name.size() - 14), value, errors);
    } else {
      flag_error(errors, name, "unknown flag (see check --help)");
    }
  }
  if (!phase_given && errors.empty())
    flag_error(errors, "--phase", "is required: --phase=pre or --phase=post");
  if (!errors.empty()) return std::nullopt;
  return settings;
}

std::string gate_usage() {
  std::string text =
      "usage: migration_exporter check --phase=pre|post [flags]\n\n"
      "Deploy gate: connects with the exporter's configuration, runs the collectors the checks\n"
      "read once, and exits 0 when every check passes, 1 when one fails, 2 when they could not\n"
      "be evaluated (database unreachable, bad configuration, missing privilege).\n\n"
      "Flags:\n"
      "  --phase=pre|post             pre: is it safe to migrate now? post: did it land?\n"
      "  --config.file=PATH           The exporter's TOML configuration ([check] is read too).\n"
      "                               Without it: DATA_SOURCE_NAME or libpq's PG* variables.\n"
      "  --target=NAME                Check only this target (repeatable; default: all).\n"
      "  --output=text|json|junit     Report format on stdout (default text).\n"
      "  --wait=DURATION              Re-check until everything passes or the time is up.\n"
      "  --wait.interval=DURATION     Pause between attempts (default 2s).\n"
      "  --expect-version=VERSION     Same as --check.expected_version.limit.\n"
      "  --max-lag=SIZE               Same as --check.replication_lag.limit (e.g. 64MB).\n"
      "  --check.NAME.limit=VALUE     Override one check's limit.\n"
      "  --skip=NAME[,NAME]           Leave checks out.\n"
      "  --color=auto|always|never    Colour in the text report (auto: a terminal, no NO_COLOR).\n"
      "  --log.level=LEVEL            Collector log lines on stderr (default error).\n\n"
      "Checks (phase, default limit):\n";
  for (const auto& check : gate_checks()) {
    std::string phases;
    for (auto phase : check.phases)
      phases += std::string(phases.empty() ? "" : ",") + to_string(phase);
    text += "  " + check.name +
            std::string(check.name.size() < 22 ? 23 - check.name.size() : 1, ' ') + "[" + phases +
            "] limit " + (check.default_limit.empty() ? "none" : check.default_limit) + " (" +
            check.limit_meaning + ")\n      " + check.description + "\n";
  }
  return text;
}

}  // namespace mexp::gate
