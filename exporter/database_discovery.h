// Database auto-discovery settings ([auto_discovery], per target [targets.auto_discovery], and
// postgres_exporter's --auto-discover-databases / --include-databases / --exclude-databases): one
// exporter covers every database of a server through a bounded pool of sessions.
#pragma once

#include <toml++/toml.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "core/config_errors.h"

namespace mexp {

struct DatabaseDiscovery {
  bool enabled = false;
  std::vector<std::string> include;  // exact names; empty: every database that accepts connections
  std::vector<std::string> exclude;  // exact names, applied after `include`
  // Sessions open at once to discovered databases (the target's own lanes not counted): with more
  // databases than this, each is connected for its turn and its session closed to make room.
  std::size_t max_connections = 8;
  std::chrono::milliseconds interval{60000};  // how often the list of databases is read again

  bool selects(const std::string& dbname) const;
};

// `defaults` comes from the flags; the file's keys win over them, a target's over the global
// table's. Every problem goes to `errors` with file, line and key.
DatabaseDiscovery read_database_discovery(const toml::table* global, const toml::table* target,
                                          const std::string& target_path, const std::string& file,
                                          DatabaseDiscovery defaults, ConfigErrors& errors);

// "a,b,,c" -> {"a","b","c"}: the comma-separated lists of postgres_exporter's flags.
std::vector<std::string> split_database_list(const std::string& text);

}  // namespace mexp
