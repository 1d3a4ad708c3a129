// Check stale_migration_lock (pre): no lock-table tool (Liquibase, Knex, goose) left a lock behind.
#include "gate/check.h"

namespace mexp::gate {
namespace {

Verdict evaluate(const CheckInput& input) {
  Verdict verdict;
  int stale = 0;
  for (const auto& series :
       input.families.series("migration_lock_stale", {{"datname", input.datname}})) {
    if (series.value < 1) continue;
    ++stale;
    verdict.details.push_back(history_table_of(series) +
                              ": locked, but no live holder (release it with the tool)");
  }
  verdict.observed = stale == 0 ? "none" : std::to_string(stale) + " stale";
  if (stale > input.limit.value) verdict.outcome = Outcome::fail;
  return verdict;
}

const bool registered = register_gate_check({
    .name = "stale_migration_lock",
    .description = "No stale migration lock: a lock table that says locked has a live holder "
                   "(migration_lock_stale).",
    .phases = {Phase::pre},
    .collectors = {"migration_progress"},
    .limit_kind = LimitKind::count,
    .default_limit = "0",
    .limit_meaning = "stale locks allowed",
    .tune = nullptr,
    .evaluate = evaluate,
});

}  // namespace
}  // namespace mexp::gate
