// Check replication_lag (pre, post): every replication slot's consumer (a CDC reader such as
// Debezium on a logical slot, a replica on a physical one) and every connected replica is within
// the limit of WAL bytes behind. PostgreSQL measures a slot's lag only in bytes, so the limit is a
// size (--max-lag=64MB). Logical slots of other databases are left out: they decode another
// database's changes.
#include "gate/check.h"

namespace mexp::gate {
namespace {

Verdict evaluate(const CheckInput& input) {
  Verdict verdict;
  int judged = 0, behind = 0;
  double largest = 0;
  std::string largest_name;
  const auto judge = [&](const std::string& name, double lag) {
    ++judged;
    if (lag > largest || largest_name.empty()) {
      largest = std::max(largest, lag);
      largest_name = name;
    }
    if (lag <= input.limit.value) return;
    ++behind;
    verdict.details.push_back(name + " is " + format_bytes(lag) + " behind");
  };
  for (const auto& slot : input.families.series("pg_replication_slots_lag_bytes")) {
    const auto& database = slot.label("database");
    if (!database.empty() && database != input.datname) continue;
    judge("slot " + slot.label("slot_name"), slot.value);
  }
  for (const auto& replica :
       input.families.series("pg_stat_replication_lag_bytes", {{"position", "replay"}})) {
    if (!replica.label("slot_name").empty()) continue;  // judged as its slot above
    judge(
        "replica " + replica.label("application_name") + " (" + replica.label("client_addr") + ")",
        replica.value);
  }
  if (judged == 0) {
    verdict.observed = "no slot or replica";
  } else {
    verdict.observed = "largest " + format_bytes(largest) + " (" + largest_name + ")";
  }
  if (behind > 0) verdict.outcome = Outcome::fail;
  return verdict;
}

const bool registered = register_gate_check({
    .name = "replication_lag",
    .description = "Replication and CDC consumers keep up: every slot's consumer and every replica "
                   "is at most the limit of WAL bytes behind (pg_replication_slots_lag_bytes).",
    .phases = {Phase::pre, Phase::post},
    .collectors = {"replication"},
    .limit_kind = LimitKind::bytes,
    .default_limit = "1GB",
    .limit_meaning = "largest lag, WAL bytes",
    .tune = nullptr,
    .evaluate = evaluate,
});

}  // namespace
}  // namespace mexp::gate
