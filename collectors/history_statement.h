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

// $1 info limit, $2 last poll's version_key, $3 last poll's fingerprint (see the .cpp). Pass
// has_row_versions = false for views and foreign tables (no xmin: no fingerprint).
std::string history_statement(const HistoryTool& tool, const std::string& qualified_table,
                              bool has_row_versions);
// Whether the tool's rows depend on pg_locks (history_advisory_lock_held_sql) besides its table.
// Every other input a normalised row may depend on is the table's own rows: see the unit test.
bool history_reads_locks(const HistoryTool& tool);
// Splits a string_agg(..., chr(31)) result.
std::vector<std::string> split_units(std::string_view text);

}  // namespace mexp
