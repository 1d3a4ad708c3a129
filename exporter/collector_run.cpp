// One collector run: chunked serialisation, companion filtering, timing, failures as values.
#include "exporter/collector_run.h"

#include <set>

#include "core/collector.h"

namespace mexp {
namespace {

// Companion mode: what a collector exports under postgres_exporter's names is left out.
std::vector<prometheus::MetricFamily> without_families(
    std::vector<prometheus::MetricFamily> families, const std::vector<std::string>& dropped) {
  if (dropped.empty()) return families;
  const std::set<std::string, std::less<>> names(dropped.begin(), dropped.end());
  std::erase_if(families, [&](const auto& family) { return names.contains(family.name); });
  return families;
}

}  // namespace

CollectorAttempt attempt_collector(const CollectorPlan& plan, PgSession& session,
                                   const Labels& labels) {
  CollectorAttempt attempt{{plan.name, nullptr, 0, false}, {}, false};
  const auto started = std::chrono::steady_clock::now();
  try {
    if (!session.connected()) throw PgError("not connected", true);
    // Collectors with a series per table or index hand them over in chunks while they run: only
    // their text is kept, so a poll of thousands of tables never holds all its series objects.
    FamilyTextsBuilder texts;
    const auto& dropped = plan.dropped_families;
    CollectContext context{session, labels, std::chrono::system_clock::now(),
                           [&texts, &dropped](std::vector<prometheus::MetricFamily> chunk) {
                             texts.add(without_families(std::move(chunk), dropped));
                           }};
    texts.add(without_families(plan.collector->collect(context), dropped));
    attempt.result.families = std::move(texts).finish();
    attempt.result.success = true;
  } catch (const PgError& error) {
    attempt.error = error.what();
    attempt.connection_lost = error.connection_lost();
  } catch (const std::exception& error) {
    attempt.error = error.what();
  }
  attempt.result.duration_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return attempt;
}

}  // namespace mexp
