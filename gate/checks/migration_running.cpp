// Check migration_running (pre): no migration tool holds its migration lock in the database now.
#include "gate/check.h"

namespace mexp::gate {
namespace {

Verdict evaluate(const CheckInput& input) {
  Verdict verdict;
  int running = 0;
  for (const auto& series :
       input.families.series("migration_in_progress", {{"datname", input.datname}})) {
    if (series.value < 1) continue;
    ++running;
    std::string detail = history_table_of(series) + ": lock held";
    for (const auto& seconds :
         input.families.series("migration_in_progress_seconds", series.labels))
      detail += " for " + format_seconds(seconds.value);
    for (const auto& queued : input.families.series("migration_blocked_sessions", series.labels)) {
      if (queued.value > 0)
        detail +=
            ", " + format_value(LimitKind::count, queued.value) + " session(s) queued behind it";
    }
    verdict.details.push_back(std::move(detail));
  }
  verdict.observed = running == 0 ? "none running" : std::to_string(running) + " running";
  if (running > input.limit.value) verdict.outcome = Outcome::fail;
  return verdict;
}

const bool registered = register_gate_check({
    .name = "migration_running",
    .description = "No migration is running now: no tool's migration lock is held in the database "
                   "(migration_in_progress).",
    .phases = {Phase::pre},
    .collectors = {"migration_progress"},
    .limit_kind = LimitKind::count,
    .default_limit = "0",
    .limit_meaning = "migrations allowed to be running",
    .tune = nullptr,
    .evaluate = evaluate,
});

}  // namespace
}  // namespace mexp::gate
