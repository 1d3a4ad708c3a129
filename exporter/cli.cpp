// Flag parsing and the --help text.
#include "exporter/cli.h"

#include <utility>

#include "core/collector.h"
#include "core/default_config_file.h"
#include "core/duration.h"

namespace mexp {

namespace {

// The collector a --collector.<name> / --no-collector.<name> flag names, or "" when `flag` is not
// one of those.
std::string collector_of_flag(const std::string& flag, bool& enable) {
  static const std::pair<std::string, bool> kForms[] = {{"--collector.", true},
                                                        {"--no-collector.", false}};
  for (const auto& [text, enabled] : kForms) {
    if (flag.rfind(text, 0) == 0 && flag.size() > text.size()) {
      enable = enabled;
      return flag.substr(text.size());
    }
  }
  return "";
}

bool reserved_path(const std::string& path) {
  return path == "/" || path == "/healthz" || path == "/readyz" || path == "/-/reload" ||
         path == "/probe";
}

}  // namespace

std::optional<Flags> parse_flags(const std::vector<std::string>& args, std::string& error) {
  Flags flags;
  bool listen_address_given = false;
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
      if (!listen_address_given) flags.listen_addresses.clear();
      listen_address_given = true;
      flags.listen_addresses.push_back(*v);
    } else if (name == "--web.telemetry-path") {
      auto v = take_value();
      if (!v) return std::nullopt;
      if (v->empty() || (*v)[0] != '/' || reserved_path(*v)) {
        error =
            "flag --web.telemetry-path: must start with '/' and not be /, /healthz, /readyz, "
            "/-/reload or /probe; got '" +
            *v + "'";
        return std::nullopt;
      }
      flags.telemetry_path = *v;
    } else if (name == "--web.enable-lifecycle") {
      if (!no_value()) return std::nullopt;
      flags.enable_lifecycle = true;
    } else if (name == "--collector.disable-defaults") {
      if (!no_value()) return std::nullopt;
      flags.disable_default_collectors = true;
    } else if (bool enable = false; !collector_of_flag(name, enable).empty()) {
      const std::string collector = collector_of_flag(name, enable);
      if (find_collector(collector) == nullptr) {
        std::string known;
        for (const auto& info : registered_collectors())
          known += (known.empty() ? "" : ", ") + info.name;
        error = "flag " + name + ": no collector '" + collector + "' (known: " + known + ")";
        return std::nullopt;
      }
      if (!no_value()) return std::nullopt;
      flags.collector_defaults[collector] = enable;
    } else if (name == "--poll.interval") {
      auto v = take_value();
      if (!v) return std::nullopt;
      auto parsed = parse_duration(*v);
      if (!parsed || parsed->count() <= 0) {
        error = "flag --poll.interval: invalid duration '" + *v + "' (examples: 15s, 1m, 500ms)";
        return std::nullopt;
      }
      flags.poll_interval = *parsed;
      flags.poll_interval_given = true;
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
    } else if (name == "--compat.companion") {
      if (!no_value()) return std::nullopt;
      flags.companion = true;
    } else if (name == "--auto-discover-databases") {
      if (!no_value()) return std::nullopt;
      flags.discovery.enabled = true;
    } else if (name == "--include-databases" || name == "--exclude-databases") {
      auto v = take_value();
      if (!v) return std::nullopt;
      (name == "--include-databases" ? flags.discovery.include : flags.discovery.exclude) =
          split_database_list(*v);
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
  if (flags.config_file.empty()) flags.config_file = default_config_file();
  return flags;
}

std::string usage() {
  std::string text =
      "usage: migration_exporter [flags]\n"
      "       migration_exporter check --phase=pre|post [flags]   (deploy gate: check --help)\n"
      "       migration_exporter healthcheck [--web.listen-address=A] [--web.config.file=F]\n"
      "           (container probe: GET /healthz over HTTP or TLS; default: PID 1's flags)\n\n"
      "Prometheus exporter for PostgreSQL schema migrations.\n\n"
      "Flags:\n"
      "  --config.file=PATH           TOML configuration (targets, collectors). Without it, the "
      "targets come\n"
      "                               from DATA_SOURCE_NAME (a list: several targets), "
      "DATA_SOURCE_URI with\n"
      "                               DATA_SOURCE_USER/_PASS (or _FILE), or libpq's PG* "
      "variables.\n"
      "  --web.listen-address=ADDR    Address to serve on (default \":10211\"); repeat to listen "
      "on several.\n"
      "  --web.telemetry-path=PATH    Path of the metrics (default /metrics).\n"
      "  --web.config.file=PATH       Exporter web configuration (YAML): TLS, basic auth, "
      "headers.\n"
      "  --web.enable-lifecycle       Accept POST /-/reload (off by default; SIGHUP always "
      "reloads).\n"
      "  --poll.interval=DURATION     Default interval of every collector (default 15s; without "
      "the flag,\n"
      "                               locks, activity and migration_progress poll every 5s).\n"
      "  --collector.<name>           Enable a collector by default (see the list below).\n"
      "  --no-collector.<name>        Disable a collector by default. A collector's `enabled` key "
      "in the\n"
      "                               configuration file wins over both.\n"
      "  --collector.disable-defaults Every collector off unless enabled by flag or file.\n"
      "  --log.level=LEVEL            debug, info, warn or error (default info).\n"
      "  --log.format=FORMAT          logfmt or json (default logfmt).\n"
      "  --compat.companion           Run beside postgres_exporter: export none of its "
      "families (pg_up,\n"
      "                               pg_locks_count, pg_stat_*, pg_settings_*...), only our "
      "own.\n"
      "  --auto-discover-databases    Also watch every other database of each target's server "
      "that accepts\n"
      "                               connections (per-database collectors: history, tables, "
      "indexes, ...),\n"
      "                               through at most [auto_discovery] max_connections sessions "
      "(default 8).\n"
      "  --include-databases=A,B      With auto-discovery: only these databases.\n"
      "  --exclude-databases=A,B      With auto-discovery: not these databases.\n"
      "  --check-config               Validate the configuration, print every error, and exit.\n"
      "  --version                    Print the version and exit.\n\n"
      "Collectors (enable or tune them in [collectors.<name>]; the second column is how often\n"
      "each runs by default, `poll` meaning --poll.interval; README's Refresh cadence table says\n"
      "what refreshes more slowly inside a collector):\n";
  for (const auto& info : registered_collectors()) {
    const std::string every =
        info.default_interval.count() == 0 ? "poll" : format_duration(info.default_interval);
    text += "  " + info.name + std::string(info.name.size() < 28 ? 29 - info.name.size() : 1, ' ') +
            (info.enabled_by_default ? "[on]  " : "[off] ") + every +
            std::string(every.size() < 6 ? 6 - every.size() : 1, ' ') + info.description + "\n";
  }
  return text;
}

}  // namespace mexp
