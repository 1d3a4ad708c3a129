// Reading and applying the auto-discovery settings.
#include "exporter/database_discovery.h"

#include <algorithm>

#include "core/collector_options.h"

namespace mexp {

bool DatabaseDiscovery::selects(const std::string& dbname) const {
  const auto listed = [&](const std::vector<std::string>& names) {
    return std::find(names.begin(), names.end(), dbname) != names.end();
  };
  return (include.empty() || listed(include)) && !listed(exclude);
}

DatabaseDiscovery read_database_discovery(const toml::table* global, const toml::table* target,
                                          const std::string& target_path, const std::string& file,
                                          DatabaseDiscovery defaults, ConfigErrors& errors) {
  // The same merge, messages and unknown-key check as a collector's section.
  CollectorOptions options(global, target, "auto_discovery", target_path + "auto_discovery", file,
                           errors);
  DatabaseDiscovery discovery = std::move(defaults);
  discovery.enabled = options.get_bool("enabled", discovery.enabled);
  discovery.include = options.get_strings("include_databases", discovery.include);
  discovery.exclude = options.get_strings("exclude_databases", discovery.exclude);
  discovery.max_connections = static_cast<std::size_t>(options.get_int(
      "max_connections", static_cast<std::int64_t>(discovery.max_connections), 1, 1000));
  discovery.interval = options.get_duration("interval", discovery.interval);
  if (discovery.interval.count() <= 0) options.error("interval", "must be positive");
  options.report_unknown_keys();
  return discovery;
}

std::vector<std::string> split_database_list(const std::string& text) {
  std::vector<std::string> names;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = std::min(text.find(',', start), text.size());
    if (comma > start) names.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return names;
}

}  // namespace mexp
