// Check wal_retention (pre): no replication slot holds back more WAL than the limit, and none is
// losing WAL it needs (wal_status unreserved or lost). A migration that rewrites a table writes
// that table's size in WAL again: a slot already retaining much may fill the disk with it.
#include "gate/check.h"

namespace mexp::gate {
namespace {

Verdict evaluate(const CheckInput& input) {
  Verdict verdict;
  double largest = 0;
  std::string largest_slot;
  int slots = 0;
  for (const auto& slot : input.families.series("pg_replication_slots_pg_wal_lsn_diff")) {
    ++slots;
    if (slot.value >= largest) {
      largest = slot.value;
      largest_slot = slot.label("slot_name");
    }
    if (slot.value > input.limit.value) {
      verdict.outcome = Outcome::fail;
      verdict.details.push_back("slot " + slot.label("slot_name") + " retains " +
                                format_bytes(slot.value) + " of WAL");
    }
  }
  for (const auto& status : input.families.series("pg_replication_slots_wal_status")) {
    const auto& state = status.label("wal_status");
    if (status.value < 1 || (state != "unreserved" && state != "lost")) continue;
    verdict.outcome = Outcome::fail;
    verdict.details.push_back("slot " + status.label("slot_name") + " has wal_status " + state +
                              (state == "lost" ? " (its consumer can no longer catch up)"
                                               : " (WAL it needs is about to be removed)"));
  }
  verdict.observed =
      slots == 0 ? "no slot" : "largest " + format_bytes(largest) + " (slot " + largest_slot + ")";
  return verdict;
}

const bool registered = register_gate_check({
    .name = "wal_retention",
    .description = "No replication slot retains more WAL than the limit or is losing WAL "
                   "(pg_replication_slots_pg_wal_lsn_diff, wal_status).",
    .phases = {Phase::pre},
    .collectors = {"replication"},
    .limit_kind = LimitKind::bytes,
    .default_limit = "8GB",
    .limit_meaning = "WAL a slot may retain",
    .tune = nullptr,
    .evaluate = evaluate,
});

}  // namespace
}  // namespace mexp::gate
