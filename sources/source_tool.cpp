// The registry of source-reader descriptions and the version order most tools share.
#include "sources/source_tool.h"

#include <algorithm>
#include <stdexcept>

namespace mexp {
namespace {

std::vector<SourceTool>& mutable_tools() {
  static std::vector<SourceTool> tools;
  return tools;
}

bool all_digits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Numbers of any length compare without overflow: strip leading zeros, then longer is larger.
int compare_numbers(std::string_view a, std::string_view b) {
  a.remove_prefix(std::min(a.find_first_not_of('0'), a.size()));
  b.remove_prefix(std::min(b.find_first_not_of('0'), b.size()));
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1);
}

std::vector<std::string_view> split_dots(std::string_view text) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const auto dot = text.find('.', start);
    parts.push_back(text.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) return parts;
    start = dot + 1;
  }
}

}  // namespace

bool register_source_tool(SourceTool tool) {
  if (find_source_tool(tool.name) != nullptr)
    throw std::logic_error("source tool registered twice: " + tool.name);
  auto& tools = mutable_tools();
  const auto position = std::find_if(tools.begin(), tools.end(),
                                     [&](const SourceTool& t) { return tool.name < t.name; });
  tools.insert(position, std::move(tool));
  return true;
}

const SourceTool* find_source_tool(const std::string& name) {
  for (const auto& tool : mutable_tools()) {
    if (tool.name == name) return &tool;
  }
  return nullptr;
}

const std::vector<SourceTool>& source_tools() { return mutable_tools(); }

int compare_dotted_versions(std::string_view a, std::string_view b) {
  const auto left = split_dots(a);
  const auto right = split_dots(b);
  for (std::size_t i = 0; i < std::max(left.size(), right.size()); ++i) {
    // A missing part is 0, so "1" equals "1.0" (Flyway's MigrationVersion does the same).
    const std::string_view x = i < left.size() ? left[i] : "0";
    const std::string_view y = i < right.size() ? right[i] : "0";
    const bool x_number = all_digits(x), y_number = all_digits(y);
    int order = 0;
    if (x_number && y_number) {
      order = compare_numbers(x, y);
    } else if (x_number != y_number) {
      order = x_number ? -1 : 1;
    } else {
      order = x.compare(y) < 0 ? -1 : (x == y ? 0 : 1);
    }
    if (order != 0) return order;
  }
  return 0;
}

int compare_as_text(std::string_view a, std::string_view b) {
  const int order = a.compare(b);
  return order < 0 ? -1 : (order > 0 ? 1 : 0);
}

}  // namespace mexp
