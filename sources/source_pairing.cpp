// Reads the `sources` pairings, keeps each table's applied rows while the table is unchanged, and
// compares them with a fresh scan of the sources once per poll.
#include "sources/source_pairing.h"

#include <cstdlib>
#include <mutex>

#include "core/log.h"
#include "sources/source_families.h"

namespace mexp {
namespace {

constexpr const char* kLockNotAvailable = "55P03";

std::string replace_table(std::string sql, const std::string& qualified) {
  for (auto pos = sql.find("{table}"); pos != std::string::npos;
       pos = sql.find("{table}", pos + qualified.size()))
    sql.replace(pos, 7, qualified);
  return sql;
}

std::string label_value(const Labels& labels, const std::string& name) {
  for (const auto& label : labels)
    if (label.name == name) return label.value;
  return "";
}

std::vector<std::string> string_list(CollectorOptions& options, const toml::node& node,
                                     const std::string& key) {
  std::vector<std::string> values;
  if (const auto* text = node.as_string()) {
    values.push_back(text->get());
  } else if (const auto* array = node.as_array()) {
    for (const auto& element : *array) {
      if (const auto* value = element.as_string()) {
        values.push_back(value->get());
      } else {
        options.error_at(element, key, "must be a list of strings");
      }
    }
  } else {
    options.error_at(node, key, "must be a string or a list of strings");
  }
  return values;
}

// Flyway writes locations as "filesystem:/path"; a classpath location cannot be read from here.
std::string location_path(std::string location) {
  if (location.starts_with("filesystem:")) location.erase(0, 11);
  return location;
}

SourcePairing read_pairing(CollectorOptions& options, const toml::table& entry,
                           const std::string& key, bool& complete) {
  SourcePairing pairing;
  complete = true;
  for (const auto& field_entry : entry) {
    // Not a structured binding: clang 14 (the fuzz build) cannot capture one in a lambda.
    const auto& value = field_entry.second;
    const std::string field(field_entry.first.str());
    const std::string where = key + "." + field;
    const auto text = [&](std::string& target) {
      if (const auto* string = value.as_string()) {
        target = string->get();
      } else {
        options.error_at(value, where, "must be a string");
        complete = false;
      }
    };
    if (field == "tool") {
      text(pairing.tool);
    } else if (field == "schema") {
      text(pairing.schema);
    } else if (field == "table") {
      text(pairing.table);
    } else if (field == "path" || field == "locations") {
      for (auto& path : string_list(options, value, where)) {
        if (path.starts_with("classpath:")) {
          options.error_at(value, where,
                           "a classpath location cannot be read: mount the files "
                           "and name the directory (filesystem:/path)");
          complete = false;
        }
        pairing.paths.push_back(location_path(path));
      }
    } else if (field == "expected_version") {
      std::string version;
      text(version);
      if (!version.empty()) pairing.expected_version = version;
    } else if (field == "expected_version_env") {
      // Read when the config is loaded (and reloaded): a pipeline sets it with the deployment.
      std::string name;
      text(name);
      if (const char* version = std::getenv(name.c_str()); version != nullptr && *version != '\0')
        pairing.expected_version = version;
    } else if (field == "sql_migration_prefix") {
      text(pairing.naming.versioned_prefix);
    } else if (field == "undo_sql_migration_prefix") {
      text(pairing.naming.undo_prefix);
    } else if (field == "repeatable_sql_migration_prefix") {
      text(pairing.naming.repeatable_prefix);
    } else if (field == "baseline_migration_prefix") {
      text(pairing.naming.baseline_prefix);
    } else if (field == "sql_migration_separator") {
      text(pairing.naming.separator);
      if (pairing.naming.separator.empty()) {
        options.error_at(value, where, "must not be empty");
        complete = false;
      }
    } else if (field == "changelog_file") {
      text(pairing.naming.changelog_file);
    } else if (field == "sql_migration_suffixes") {
      pairing.naming.suffixes = string_list(options, value, where);
    } else if (field == "max_files" || field == "max_file_bytes") {
      const auto number = value.value<std::int64_t>();
      if (!value.is_integer() || !number || *number < 1) {
        options.error_at(value, where, "must be a positive integer");
        complete = false;
      } else if (field == "max_files") {
        pairing.limits.max_files = static_cast<std::size_t>(*number);
      } else {
        pairing.limits.max_file_bytes = static_cast<std::uintmax_t>(*number);
      }
    } else {
      options.error_at(value, where, "unknown key");
      complete = false;
    }
  }
  if (pairing.tool.empty()) {
    options.error_at(entry, key + ".tool", "is required (the history tool, e.g. \"flyway\")");
    complete = false;
  } else if (find_history_tool(pairing.tool) == nullptr) {
    options.error_at(entry, key + ".tool", "unknown tool '" + pairing.tool + "'");
    complete = false;
  } else if (!pairing.paths.empty() && find_source_tool(pairing.tool) == nullptr) {
    std::string known;
    for (const auto& tool : source_tools()) known += (known.empty() ? "" : ", ") + tool.name;
    options.error_at(entry, key + ".path",
                     "the sources of '" + pairing.tool + "' cannot be read yet (readable: " +
                         known + "); expected_version works for every tool");
    complete = false;
  }
  if (pairing.paths.empty() && !pairing.expected_version && complete &&
      !entry.contains("expected_version_env")) {
    options.error_at(entry, key, "needs path (the migration files) or expected_version");
    complete = false;
  }
  return pairing;
}

}  // namespace

const SourceTool& source_tool_for(const HistoryTool& tool) {
  if (const auto* reader = find_source_tool(tool.name)) return *reader;
  // One generic reader per history tool, built once: no files, rows compared by version. Pollers
  // of several targets run on their own threads: the map is shared, its nodes never move.
  static std::mutex mutex;
  static std::map<std::string, SourceTool> generic;
  const std::lock_guard lock(mutex);
  auto [entry, inserted] = generic.try_emplace(tool.name);
  if (inserted) {
    entry->second.name = tool.name;
    entry->second.compare_versions =
        tool.orders_versions
            ? std::function<int(std::string_view, std::string_view)>(compare_dotted_versions)
            : nullptr;
    entry->second.applied_sql =
        "SELECT kind, version, description, type, script, NULL::text, success, ordinal FROM (" +
        tool.normalized_sql + ") AS normalized";
    entry->second.identity_of = [](const AppliedMigration& row) {
      return row.version ? *row.version : row.script.empty() ? row.description : row.script;
    };
  }
  return entry->second;
}

SourcePairings::SourcePairings(CollectorOptions& options) {
  info_limit_ = static_cast<int>(options.get_int("source_info_limit", 20, 0, 1000));
  const auto* node = options.get_node("sources");
  if (node == nullptr) return;
  const auto* array = node->as_array();
  if (array == nullptr) {
    options.error_at(*node, "sources",
                     "must be an array of tables: [{ tool = \"flyway\", path = \"/migrations\" }]");
    return;
  }
  int index = 0;
  for (const auto& element : *array) {
    const std::string key = "sources[" + std::to_string(index++) + "]";
    const auto* entry = element.as_table();
    if (entry == nullptr) {
      options.error_at(element, key, "must be a table with tool and path");
      continue;
    }
    bool complete = false;
    auto pairing = read_pairing(options, *entry, key, complete);
    if (!complete) continue;
    scanners_.emplace_back(pairing.paths.size(), SourceScanner(pairing.limits));
    pairings_.push_back(std::move(pairing));
  }
}

void SourcePairings::observe(PgSession& session, const HistoryTool& tool, const std::string& schema,
                             const std::string& table, const Labels& labels, bool changed) {
  std::vector<std::size_t> matched;
  for (std::size_t i = 0; i < pairings_.size(); ++i) {
    const auto& pairing = pairings_[i];
    if (pairing.tool == tool.name && (pairing.schema.empty() || pairing.schema == schema) &&
        (pairing.table.empty() || pairing.table == table))
      matched.push_back(i);
  }
  if (matched.empty()) return;
  const auto key = std::make_pair(schema, table);
  seen_.insert(key);
  auto cached = applied_.find(key);
  if (changed || cached == applied_.end()) {
    const auto& reader = source_tool_for(tool);
    try {
      const auto result =
          session.query(replace_table(reader.applied_sql, session.escape_identifier(schema) + "." +
                                                              session.escape_identifier(table)));
      std::vector<AppliedMigration> rows;
      rows.reserve(static_cast<std::size_t>(result.rows()));
      for (int row = 0; row < result.rows(); ++row) {
        rows.push_back({std::string(result.text(row, 0)), result.optional_text(row, 1),
                        std::string(result.text(row, 2)), std::string(result.text(row, 3)),
                        std::string(result.text(row, 4)), result.optional_text(row, 5),
                        result.boolean(row, 6), static_cast<long long>(result.number(row, 7))});
      }
      cached = applied_.insert_or_assign(key, std::move(rows)).first;
    } catch (const PgError& error) {
      if (error.connection_lost()) throw;
      // Locked by a running migration: last poll's rows stand, as for the history families.
      if (error.sqlstate() != kLockNotAvailable || cached == applied_.end()) {
        log_once("applied:" + schema + "." + table, "history rows for the sources unreadable",
                 labels, error.what());
        return;
      }
    }
  }
  for (auto index : matched) observed_.push_back({index, labels, &tool, key});
}

void SourcePairings::log_once(const std::string& key, const std::string& message,
                              const Labels& labels, const std::string& reason) {
  const std::string id = key + "\x1f" + reason;
  if (!logged_.contains(id)) {
    log::warn(message, {{"tool", label_value(labels, "tool")},
                        {"schema", label_value(labels, "schema")},
                        {"table", label_value(labels, "table")},
                        {"err", reason}});
  }
  logged_next_.insert(id);
}

void SourcePairings::report(const Observed& observed, SourceFamilies& families) {
  const auto& pairing = pairings_[observed.pairing];
  const auto& reader = source_tool_for(*observed.tool);
  const auto& rows = applied_[observed.table];
  if (pairing.expected_version) {
    families.add_expected(observed.labels, *pairing.expected_version,
                          expected_version_reached(reader, rows, *pairing.expected_version));
  }
  if (pairing.paths.empty()) return;
  const std::string where = std::to_string(observed.pairing);
  SourceSnapshot merged;
  merged.up = true;
  for (std::size_t i = 0; i < pairing.paths.size(); ++i) {
    auto snapshot = scanners_[observed.pairing][i].scan(pairing.paths[i], reader, pairing.naming);
    if (!snapshot.up) {
      merged.up = false;
      log_once(where, "migration sources unreadable", observed.labels, snapshot.error);
    }
    for (auto& file : snapshot.files) merged.files.push_back(std::move(file));
    for (auto& bad : snapshot.malformed) merged.malformed.push_back(std::move(bad));
  }
  families.add_source_up(observed.labels, merged.up);
  if (!merged.up) return;
  std::size_t problems = merged.malformed.size();
  for (const auto& [path, why] : merged.malformed)
    log_once(where, "migration source file skipped", observed.labels, path + ": " + why);
  for (const auto& file : merged.files) {
    if (file.problem.empty()) continue;
    ++problems;
    log_once(where, "migration source file not verified", observed.labels,
             file.path + ": " + file.problem);
  }
  families.add_comparison(observed.labels, compare_migrations(reader, merged, rows), problems);
}

std::vector<prometheus::MetricFamily> SourcePairings::take() {
  if (pairings_.empty()) return {};
  SourceFamilies families;
  std::map<std::size_t, std::size_t> matches;
  for (const auto& observed : observed_) ++matches[observed.pairing];
  for (const auto& observed : observed_) {
    const auto& pairing = pairings_[observed.pairing];
    if (matches[observed.pairing] > 1 && (pairing.schema.empty() || pairing.table.empty())) {
      // Auto-pairing only where it is unambiguous: with several tables of the tool, say which.
      log_once(std::to_string(observed.pairing), "migration sources not paired", observed.labels,
               "several " + pairing.tool + " history tables found: set schema and table");
      if (!pairing.paths.empty()) families.add_source_up(observed.labels, false);
      continue;
    }
    report(observed, families);
  }
  families.add_info(info_limit_);
  observed_.clear();
  // A problem that went away and comes back is logged again.
  logged_ = std::move(logged_next_);
  logged_next_.clear();
  // Rows of tables no longer seen are dropped with them.
  std::erase_if(applied_, [&](const auto& entry) { return !seen_.contains(entry.first); });
  seen_.clear();
  return families.take();
}

}  // namespace mexp
