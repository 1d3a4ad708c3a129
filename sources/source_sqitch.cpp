// Sqitch's plan (sqitch.plan), read as Sqitch reads it: one change per line, "name [deps]
// timestamp planner <email> # note"; %pragmas, @tags, blank and # comment lines list no change;
// a reworked change repeats its name. The history records changes by name, in plan order, with no
// checksum this comparison could use (script_hash sits in another table).
#include <cctype>

#include "sources/source_tool.h"

namespace mexp {
namespace {

bool valid_change_name(std::string_view name) {
  // Sqitch forbids names that are empty, start with a punctuation mark or contain spaces.
  if (name.empty() || std::ispunct(static_cast<unsigned char>(name.front())) != 0) return false;
  for (char c : name) {
    if (std::isspace(static_cast<unsigned char>(c)) != 0 || c == '@' || c == '#' || c == ':')
      return false;
  }
  return true;
}

std::vector<SourceMigration> read_sqitch_plan(std::string_view content,
                                              std::vector<std::string>& problems) {
  std::vector<SourceMigration> changes;
  std::size_t start = 0;
  int number = 0;
  while (start < content.size()) {
    auto end = content.find('\n', start);
    if (end == std::string_view::npos) end = content.size();
    std::string_view line = content.substr(start, end - start);
    start = end + 1;
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos) continue;
    line.remove_prefix(first);
    if (line.front() == '%' || line.front() == '#' || line.front() == '@') continue;
    const auto name_end = line.find_first_of(" \t");
    std::string_view name = line.substr(0, name_end);
    // "+name" and "-name" are the old syntax for deploy and revert lines.
    if (name.front() == '+') name.remove_prefix(1);
    if (!valid_change_name(name)) {
      problems.push_back("line " + std::to_string(number) + ": '" + std::string(name) +
                         "' is not a change name");
      continue;
    }
    SourceMigration change;
    change.kind = SourceKind::versioned;
    change.identity = std::string(name);
    change.version = change.identity;
    const auto note = line.find(" # ");
    if (note != std::string_view::npos) change.description = std::string(line.substr(note + 3));
    changes.push_back(std::move(change));
  }
  return changes;
}

const bool registered = register_source_tool({
    .name = "sqitch",
    .checksum = SourceChecksum::none,
    .parse = nullptr,
    .plan_file = "sqitch.plan",
    .read_plan = read_sqitch_plan,
    .compare_versions = nullptr,  // plan order, not name order
    .applied_sql =
        "SELECT CASE event WHEN 'deploy' THEN 'apply' WHEN 'fail' THEN 'apply' WHEN 'revert' "
        "THEN 'undo' ELSE 'marker' END, change, note, event, ''::text, NULL::text, event <> "
        "'fail', row_number() OVER (ORDER BY committed_at, change_id) FROM {table}",
});

}  // namespace
}  // namespace mexp
