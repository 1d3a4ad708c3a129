// The registry of history-table descriptions and the shared SQL helpers they use.
#include "collectors/history_tools.h"

#include <algorithm>
#include <stdexcept>

namespace mexp {
namespace {
std::vector<HistoryTool>& mutable_tools() {
  static std::vector<HistoryTool> tools;
  return tools;
}
}  // namespace

bool register_history_tool(HistoryTool tool) {
  if (find_history_tool(tool.name) != nullptr)
    throw std::logic_error("history tool registered twice: " + tool.name);
  // Kept sorted by name, so listings (config errors, docs) do not depend on link order.
  auto& tools = mutable_tools();
  const auto position = std::find_if(tools.begin(), tools.end(),
                                     [&](const HistoryTool& t) { return tool.name < t.name; });
  tools.insert(position, std::move(tool));
  return true;
}

const std::vector<HistoryTool>& history_tools() { return mutable_tools(); }

const HistoryTool* find_history_tool(const std::string& name) {
  for (const auto& tool : mutable_tools()) {
    if (tool.name == name) return &tool;
  }
  return nullptr;
}

std::vector<std::string> missing_history_columns(const HistoryTool& tool,
                                                 const std::vector<std::string>& columns) {
  std::vector<std::string> missing;
  for (const auto& required : tool.required_columns) {
    // "name" matches a column of any type, "name type" only that type.
    const bool typed = required.find(' ') != std::string::npos;
    const bool present = std::any_of(columns.begin(), columns.end(), [&](const std::string& c) {
      return typed ? c == required : c.compare(0, required.size() + 1, required + " ") == 0;
    });
    if (!present) missing.push_back(required);
  }
  return missing;
}

const HistoryTool* match_history_tool(const std::string& table,
                                      const std::vector<std::string>& columns,
                                      const std::vector<std::string>& companions) {
  const HistoryTool* best = nullptr;
  std::size_t best_requirements = 0;
  for (const auto& tool : mutable_tools()) {
    if (std::find(tool.table_names.begin(), tool.table_names.end(), table) ==
            tool.table_names.end() ||
        !missing_history_columns(tool, columns).empty() ||
        !std::all_of(tool.companion_tables.begin(), tool.companion_tables.end(),
                     [&](const std::string& companion) {
                       return std::find(companions.begin(), companions.end(), companion) !=
                              companions.end();
                     })) {
      continue;
    }
    const std::size_t requirements = tool.required_columns.size() + tool.companion_tables.size();
    // Ties go to the alphabetically first name, so the choice never depends on link order.
    if (best == nullptr || requirements > best_requirements ||
        (requirements == best_requirements && tool.name < best->name)) {
      best = &tool;
      best_requirements = requirements;
    }
  }
  return best;
}

std::string history_leading_number_key_sql(const std::string& column) {
  return "(CASE WHEN " + column + " ~ '^[0-9]' THEN ARRAY[substring(" + column +
         " FROM '^[0-9]{1,60}')::numeric] END)";
}

std::string history_advisory_lock_held_sql(long long key) {
  const auto unsigned_key = static_cast<unsigned long long>(key);
  return "EXISTS (SELECT FROM pg_catalog.pg_locks WHERE locktype = 'advisory' AND granted AND "
         "database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database()) "
         "AND classid = '" +
         std::to_string(unsigned_key >> 32) + "'::oid AND objid = '" +
         std::to_string(unsigned_key & 0xFFFFFFFFULL) + "'::oid AND objsubid = 1)";
}

std::string history_version_list_sql(const std::string& version_column) {
  return "SELECT 'apply' AS kind, version, version_key, NULL::text AS description, "
         "NULL::text AS type, NULL::text AS script, NULL::text AS installed_by, "
         "NULL::timestamptz AS applied_at, NULL::float8 AS duration_seconds, true AS success, "
         "row_number() OVER (ORDER BY version_key NULLS FIRST, version) AS ordinal "
         "FROM (SELECT " +
         version_column + "::text AS version, " + history_version_key_sql(version_column) +
         " AS version_key FROM {table}) AS migrations";
}

std::string history_version_key_sql(const std::string& column) {
  // The CASE inside array_agg only keeps the cast from failing: a version with any part that is
  // not a number gets no key at all.
  return "(SELECT CASE WHEN bool_and(part ~ '^[0-9]{1,60}$') THEN array_agg(CASE WHEN part ~ "
         "'^[0-9]{1,60}$' THEN part::numeric END ORDER BY position) END "
         "FROM unnest(string_to_array(regexp_replace(" +
         column + ", '(\\.0+)+$', ''), '.')) WITH ORDINALITY AS parts(part, position))";
}

}  // namespace mexp
