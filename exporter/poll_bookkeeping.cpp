// Building the per-database bookkeeping families.
#include "exporter/poll_bookkeeping.h"

namespace mexp {

PollBookkeeping::PollBookkeeping()
    : database_up(gauge_family(
          "migration_exporter_database_up",
          "Whether the last connection to the database succeeded (1) or not (0); pg_up's value.")),
      collector_duration(gauge_family("migration_exporter_collector_duration_seconds",
                                      "How long the collector's last run took, in seconds.")),
      collector_success(
          gauge_family("migration_exporter_collector_success",
                       "Whether the collector's last run succeeded (1) or failed (0).")),
      last_poll(gauge_family("migration_exporter_last_poll_timestamp_seconds",
                             "When this target was last polled, as a Unix timestamp (staleness: "
                             "time() - this).")) {}

bool PollBookkeeping::add(const Labels& labels, bool up,
                          const std::vector<const CollectorRunResult*>& runs,
                          double poll_timestamp) {
  add_gauge(database_up, labels, up ? 1 : 0);
  bool any_failed = false;
  for (const auto* run : runs) {
    const auto collector_labels = with_labels(labels, {{"collector", run->collector}});
    add_gauge(collector_duration, collector_labels, run->duration_seconds);
    add_gauge(collector_success, collector_labels, up && run->success ? 1 : 0);
    any_failed = any_failed || !up || !run->success;
  }
  add_gauge(last_poll, labels, poll_timestamp);
  return any_failed;
}

std::vector<prometheus::MetricFamily> PollBookkeeping::take() && {
  std::vector<prometheus::MetricFamily> families;
  families.push_back(std::move(database_up));
  families.push_back(std::move(collector_duration));
  families.push_back(std::move(collector_success));
  families.push_back(std::move(last_poll));
  return families;
}

}  // namespace mexp
