// Check unresolved_failure (pre, post): no history table records a failed migration (a Flyway
// failed row, a dirty golang-migrate version, an unfinished Prisma migration, …) that no successful
// run followed.
#include "gate/check.h"

namespace mexp::gate {
namespace {

std::optional<double> single(const FamilyView& families, const std::string& name,
                             const std::map<std::string, std::string>& labels) {
  const auto found = families.series(name, labels);
  if (found.empty()) return std::nullopt;
  return found.front().value;
}

Verdict evaluate(const CheckInput& input) {
  Verdict verdict;
  int unreadable = 0, failing = 0, tables = 0;
  for (const auto& up :
       input.families.series("migration_history_up", {{"datname", input.datname}})) {
    ++tables;
    if (up.value < 1) {
      ++unreadable;
      verdict.details.push_back(history_table_of(up) +
                                ": cannot be read (privilege or shape; see the exporter's log)");
      continue;
    }
    const auto failed = single(input.families, "migration_failed", up.labels).value_or(0);
    if (failed <= 0) continue;
    // Tools that keep failed rows after a later success (Sqitch's events) have resolved them.
    const auto last_failure =
        single(input.families, "migration_last_failure_timestamp_seconds", up.labels);
    const auto last_success =
        single(input.families, "migration_last_success_timestamp_seconds", up.labels);
    if (last_failure && last_success && *last_success > *last_failure) continue;
    ++failing;
    std::string detail = history_table_of(up) + ": " + format_value(LimitKind::count, failed) +
                         " failed run(s) recorded";
    auto dirty_labels = up.labels;
    dirty_labels["type"] = "dirty";
    for (const auto& dirty : input.families.series("migration_info", dirty_labels))
      detail = history_table_of(up) + ": dirty at version " + dirty.label("version");
    verdict.details.push_back(std::move(detail));
  }
  if (failing > input.limit.value) {
    verdict.outcome = Outcome::fail;
  } else if (unreadable > 0) {
    verdict.outcome = Outcome::error;  // a table we could not read may hold a failure
  }
  verdict.observed =
      tables == 0 ? "no history table found"
                  : std::to_string(failing) + " of " + std::to_string(tables) +
                        " history table(s) failing" +
                        (unreadable > 0 ? ", " + std::to_string(unreadable) + " unreadable" : "");
  return verdict;
}

const bool registered = register_gate_check({
    .name = "unresolved_failure",
    .description = "No unresolved failure: no history table records a failed or dirty migration "
                   "that no successful run followed (migration_failed).",
    .phases = {Phase::pre, Phase::post},
    .collectors = {"history"},
    .limit_kind = LimitKind::count,
    .default_limit = "0",
    .limit_meaning = "history tables allowed to be failing",
    .tune = nullptr,
    .evaluate = evaluate,
});

}  // namespace
}  // namespace mexp::gate
