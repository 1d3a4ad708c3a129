// How each migration tool's history table is read: one small description per tool, all read by
// the single history collector. A description maps the tool's own table onto the normalised
// columns below with one SELECT; everything else (aggregation, metrics) is shared.
#pragma once

#include <string>
#include <vector>

namespace mexp {

// The SELECT in `normalized_sql` reads `{table}` (replaced by the quoted schema.table) and returns
// exactly these columns, one row per history row:
//   kind             text         'apply' (ran a migration), 'undo' (a rollback), 'baseline' (a
//                                 synthetic version marker), 'delete' (the version was marked as
//                                 removed), 'marker' (bookkeeping row, ignored by every count)
//   version          text         NULL for repeatable migrations
//   version_key      numeric[]    ordering key of `version` (history_version_key_sql), NULL if none
//   description      text
//   type             text         the tool's own row type, unknown values mapped to 'other'
//   script           text
//   installed_by     text
//   applied_at       timestamptz  NULL when the tool records none
//   duration_seconds float8       NULL when the tool records none
//   success          boolean      true when the tool records no failures
//   ordinal          bigint       order of application (later rows are larger)
struct HistoryTool {
  std::string name;                      // the `tool` label
  std::vector<std::string> table_names;  // names auto-detection looks for (exact, case-sensitive)
  std::string normalized_sql;
  bool records_duration = true;  // false: no duration histogram or last-duration series
  bool records_failures = true;  // false: no failed count or failure timestamp series
};

// Called from a static initialiser in each tool's description file.
bool register_history_tool(HistoryTool tool);
const std::vector<HistoryTool>& history_tools();
const HistoryTool* find_history_tool(const std::string& name);

// SQL expression turning a dotted version text into a numeric[] that orders the way versions do
// ("1.10" > "1.9", "2" > "1.10.5"; trailing ".0" parts ignored, so "1.0" equals "1"). Parts that
// are not numbers become NULL, which sorts after numbers.
std::string history_version_key_sql(const std::string& column);

}  // namespace mexp
