// The registry of history-table descriptions and the shared SQL helpers they use.
#include "collectors/history_tools.h"

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
  mutable_tools().push_back(std::move(tool));
  return true;
}

const std::vector<HistoryTool>& history_tools() { return mutable_tools(); }

const HistoryTool* find_history_tool(const std::string& name) {
  for (const auto& tool : mutable_tools()) {
    if (tool.name == name) return &tool;
  }
  return nullptr;
}

std::string history_version_key_sql(const std::string& column) {
  return "(SELECT array_agg(CASE WHEN part ~ '^[0-9]{1,60}$' THEN part::numeric END ORDER BY "
         "position) "
         "FROM unnest(string_to_array(regexp_replace(" +
         column + ", '(\\.0+)+$', ''), '.')) WITH ORDINALITY AS parts(part, position))";
}

}  // namespace mexp
