// Reading [collectors.migration_progress] (see migration_progress_options.h).
#include "collectors/migration_progress_options.h"

#include <map>

namespace mexp {

MigrationProgressOptions read_migration_progress_options(CollectorOptions& options) {
  MigrationProgressOptions parsed;
  parsed.auto_detect = options.get_bool("auto_detect", true);
  parsed.read_lock_tables = options.get_bool("read_lock_tables", true);
  parsed.stale_lock_after = options.get_duration("stale_lock_after", parsed.stale_lock_after);
  if (parsed.stale_lock_after.count() <= 0) options.error("stale_lock_after", "must be positive");
  const auto* node = options.get_node("tables");
  if (node == nullptr) return parsed;
  const auto* array = node->as_array();
  if (array == nullptr) {
    options.error_at(*node, "tables",
                     "must be an array of tables: [{ tool = \"flyway\", schema = \"app\", "
                     "table = \"...\" }]");
    return parsed;
  }
  int index = 0;
  for (const auto& element : *array) {
    const std::string key = "tables[" + std::to_string(index++) + "]";
    const auto* entry = element.as_table();
    if (entry == nullptr) {
      options.error_at(element, key, "must be a table with tool, schema and table");
      continue;
    }
    std::map<std::string, std::string> fields;
    bool complete = true;
    for (const char* field : {"tool", "schema", "table"}) {
      const auto* value = entry->get(field);
      if (value == nullptr || !value->is_string() || value->value<std::string>()->empty()) {
        options.error_at(element, key + "." + field, "is required (a non-empty string)");
        complete = false;
      } else {
        fields[field] = *value->value<std::string>();
      }
    }
    for (const auto& [field, value] : *entry) {
      if (field != "tool" && field != "schema" && field != "table")
        options.error_at(value, key + "." + std::string(field.str()), "unknown key");
    }
    if (!complete) continue;
    const ToolLock* tool = nullptr;
    std::string configurable;
    for (const auto& candidate : tool_locks()) {
      if (candidate.kind != LockKind::advisory_table && candidate.kind != LockKind::lock_table)
        continue;
      if (candidate.tool == fields["tool"]) tool = &candidate;
      configurable += (configurable.empty() ? "" : ", ") + candidate.tool;
    }
    if (tool == nullptr) {
      options.error_at(
          *entry->get("tool"), key + ".tool",
          "'" + fields["tool"] +
              "' has no table-specific lock to configure (tools with one: " + configurable + ")");
      continue;
    }
    parsed.tables.push_back({tool, fields["schema"], fields["table"]});
  }
  return parsed;
}

}  // namespace mexp
