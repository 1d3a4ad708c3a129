// Flag parsing and the --help text.
#include "exporter/cli.h"

#include "core/collector.h"
#include "core/duration.h"

namespace mexp {

std::optional<Flags> parse_flags(const std::vector<std::string>& args, std::string& error) {
  Flags flags;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i];
    std::optional<std::string> value;
    if (const auto eq = name.find('='); eq != std::string::npos && name.rfind("--", 0) == 0) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const auto take_value = [&]() -> std::optional<std::string> {
      if (value) return value;
      if (i + 1 < args.size()) return args[++i];
      error = "flag " + name + " needs a value";
      return std::nullopt;
    };
    const auto no_value = [&]() {
      if (value) {
        error = "flag " + name + " takes no value";
        return false;
      }
      return true;
    };
    if (name == "--config.file") {
      auto v = take_value();
      if (!v) return std::nullopt;
      flags.config_file = *v;
    } else if (name == "--web.config.file") {
      auto v = take_value();
      if (!v) return std::nullopt;
      flags.web_config_file = *v;
    } else if (name == "--web.listen-address") {
      auto v = take_value();
      if (!v) return std::nullopt;
      flags.listen_address = *v;
    } else if (name == "--poll.interval") {
      auto v = take_value();
      if (!v) return std::nullopt;
      auto parsed = parse_duration(*v);
      if (!parsed || parsed->count() <= 0) {
        error = "flag --poll.interval: invalid duration '" + *v + "' (examples: 15s, 1m, 500ms)";
        return std::nullopt;
      }
      flags.poll_interval = *parsed;
    } else if (name == "--log.level") {
      auto v = take_value();
      if (!v) return std::nullopt;
      if (*v != "debug" && *v != "info" && *v != "warn" && *v != "error") {
        error = "flag --log.level: must be one of debug, info, warn, error; got '" + *v + "'";
        return std::nullopt;
      }
      flags.log_level = *v;
    } else if (name == "--log.format") {
      auto v = take_value();
      if (!v) return std::nullopt;
      if (*v != "logfmt" && *v != "json") {
        error = "flag --log.format: must be logfmt or json; got '" + *v + "'";
        return std::nullopt;
      }
      flags.log_format = *v;
    } else if (name == "--version") {
      if (!no_value()) return std::nullopt;
      flags.version = true;
    } else if (name == "--check-config") {
      if (!no_value()) return std::nullopt;
      flags.check_config = true;
    } else if (name == "--help" || name == "-h") {
      flags.help = true;
    } else {
      error = "unknown flag '" + name + "' (see --help)";
      return std::nullopt;
    }
  }
  return flags;
}

std::string usage() {
  std::string text =
      "usage: migration_exporter [flags]\n"
      "       migration_exporter check --phase=pre|post [flags]   (deploy gate: check --help)\n\n"
      "Prometheus exporter for PostgreSQL schema migrations.\n\n"
      "Flags:\n"
      "  --config.file=PATH           TOML configuration (targets, collectors). Without it, one "
      "target from\n"
      "                               DATA_SOURCE_NAME or libpq's PG* environment variables.\n"
      "  --web.listen-address=ADDR    Address to serve /metrics on (default \":10211\").\n"
      "  --web.config.file=PATH       Exporter web configuration (YAML): TLS, basic auth, "
      "headers.\n"
      "  --poll.interval=DURATION     Default poll interval of collectors without their own "
      "(default 15s).\n"
      "  --log.level=LEVEL            debug, info, warn or error (default info).\n"
      "  --log.format=FORMAT          logfmt or json (default logfmt).\n"
      "  --check-config               Validate the configuration, print every error, and exit.\n"
      "  --version                    Print the version and exit.\n\n"
      "Collectors (enable or tune them in [collectors.<name>]):\n";
  for (const auto& info : registered_collectors()) {
    text += "  " + info.name + std::string(info.name.size() < 28 ? 29 - info.name.size() : 1, ' ') +
            (info.enabled_by_default ? "[on]  " : "[off] ") + info.description + "\n";
  }
  return text;
}

}  // namespace mexp
