// Check lock_queue (pre, post): no session of the database waits for a lock another one holds. A
// queue before a migration means its DDL would join it; after one, that it left a lock behind.
#include "gate/check.h"

namespace mexp::gate {
namespace {

Verdict evaluate(const CheckInput& input) {
  Verdict verdict;
  double blocked = 0, longest = 0, depth = 0;
  for (const auto& series :
       input.families.series("pg_blocked_sessions", {{"datname", input.datname}}))
    blocked += series.value;
  for (const auto& series :
       input.families.series("pg_lock_wait_max_seconds", {{"datname", input.datname}}))
    longest = std::max(longest, series.value);
  for (const auto& series :
       input.families.series("pg_lock_blocking_chain_max_depth", {{"datname", input.datname}}))
    depth = std::max(depth, series.value);
  verdict.observed = blocked == 0 ? "no session waiting"
                                  : format_value(LimitKind::count, blocked) +
                                        " session(s) waiting, longest " + format_seconds(longest) +
                                        ", chain depth " + format_value(LimitKind::count, depth);
  if (blocked > input.limit.value) verdict.outcome = Outcome::fail;
  return verdict;
}

const bool registered = register_gate_check({
    .name = "lock_queue",
    .description = "No lock queue: no session of the database waits for a lock held or queued "
                   "for by another (pg_blocked_sessions).",
    .phases = {Phase::pre, Phase::post},
    .collectors = {"locks"},
    .limit_kind = LimitKind::count,
    .default_limit = "0",
    .limit_meaning = "sessions allowed to wait for a lock",
    .tune = nullptr,
    .evaluate = evaluate,
});

}  // namespace
}  // namespace mexp::gate
