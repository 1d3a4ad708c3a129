// The one SQL statement the history collector runs per history table, and helpers to read its
// result rows.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "collectors/history_tools.h"

namespace mexp {

inline constexpr double kHistoryDurationBuckets[] = {0.1, 0.5, 1,   5,   10,   30,
                                                     60,  120, 300, 600, 1800, 3600};

std::string history_statement(const HistoryTool& tool, const std::string& qualified_table);
// Splits a string_agg(..., chr(31)) result.
std::vector<std::string> split_units(std::string_view text);

}  // namespace mexp
