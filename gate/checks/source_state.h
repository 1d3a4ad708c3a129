// What the expected-state checks share: per paired history table, a count family of the sources
// comparison (migration_pending, migration_checksum_mismatch) and the migrations it names.
#pragma once

#include "gate/check.h"

namespace mexp::gate {

// Fails when more migrations than the limit are counted in `count_family` over the database's
// paired tables; names each from migration_source_info{state=`state`}. Skipped when no history
// table is paired with sources; an error when a paired source could not be read completely.
inline Verdict judge_source_state(const CheckInput& input, const std::string& count_family,
                                  const std::string& state, const std::string& noun) {
  Verdict verdict;
  const auto sources = input.families.series("migration_source_up", {{"datname", input.datname}});
  if (sources.empty()) {
    verdict.outcome = Outcome::skip;
    verdict.observed = "no history table paired with migration sources ([collectors.history])";
    return verdict;
  }
  double counted = 0;
  int unreadable = 0;
  for (const auto& up : sources) {
    if (up.value < 1) {
      ++unreadable;
      verdict.details.push_back(history_table_of(up) +
                                ": sources cannot be read completely (see the exporter's log)");
      continue;
    }
    double here = 0;
    for (const auto& count : input.families.series(count_family, up.labels)) here += count.value;
    counted += here;
    if (here <= 0) continue;
    auto named_labels = up.labels;
    named_labels["state"] = state;
    double named = 0;
    for (const auto& migration : input.families.series("migration_source_info", named_labels)) {
      verdict.details.push_back(history_table_of(up) + ": " + noun + " " +
                                migration.label("migration"));
      ++named;
    }
    if (named < here)
      verdict.details.push_back(history_table_of(up) + ": and " +
                                format_value(LimitKind::count, here - named) +
                                " more not named (source_info_limit)");
  }
  verdict.observed = format_value(LimitKind::count, counted) + " " + noun + " in " +
                     std::to_string(sources.size()) + " paired table(s)" +
                     (unreadable > 0 ? ", " + std::to_string(unreadable) + " unreadable" : "");
  if (counted > input.limit.value) {
    verdict.outcome = Outcome::fail;
  } else if (unreadable > 0) {
    verdict.outcome = Outcome::error;  // what we could not read may hold the very migration
  }
  return verdict;
}

}  // namespace mexp::gate
