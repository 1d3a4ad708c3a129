// Targets from postgres_exporter's environment variables, read the way it reads them, for a
// configuration without [[targets]]: DATA_SOURCE_NAME (one DSN or a comma-separated list), else
// DATA_SOURCE_URI (or _URI_FILE) with DATA_SOURCE_USER / DATA_SOURCE_PASS (or their _FILE forms).
#pragma once

#include <string>
#include <vector>

#include "core/config_errors.h"

namespace mexp {

struct EnvironmentTarget {
  std::string name;      // "default" for a single target; host:port/dbname for each of a list
  std::string conninfo;  // what libpq connects with; never holds DATA_SOURCE_PASS
  std::string password;  // DATA_SOURCE_PASS[_FILE]; empty when none is given
};

// One entry per DSN; a single one with an empty conninfo (libpq's PG* variables) when none of the
// variables is set. Problems (an unreadable file, a DSN libpq cannot parse) go to `errors`, named
// by variable and never quoting a DSN.
std::vector<EnvironmentTarget> environment_targets(ConfigErrors& errors);

// DATA_SOURCE_NAME's list syntax. A comma separates two DSNs only where the next one starts
// (postgresql:// or postgres://, or a key=value pair), so libpq's own commas — multi-host URIs
// (postgresql://h1:5432,h2:5432/db) and host=h1,h2 — stay inside their DSN. Entries are trimmed.
std::vector<std::string> split_data_source_names(const std::string& text);

}  // namespace mexp
