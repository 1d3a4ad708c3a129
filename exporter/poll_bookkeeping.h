// The families every polled database gets besides its collectors' (whether it was reachable, how
// each collector's last run went, when it was last polled): one definition for a target's own
// database and for the databases auto-discovery adds.
#pragma once

#include <prometheus/metric_family.h>

#include <string>
#include <vector>

#include "core/metric_builder.h"
#include "exporter/collector_run.h"

namespace mexp {

struct PollBookkeeping {
  prometheus::MetricFamily database_up;
  prometheus::MetricFamily collector_duration;
  prometheus::MetricFamily collector_success;
  prometheus::MetricFamily last_poll;

  PollBookkeeping();
  // One database's values; a run counts as successful only while the database is up. Returns
  // whether any run failed (every run, when the database is down).
  bool add(const Labels& labels, bool up, const std::vector<const CollectorRunResult*>& runs,
           double poll_timestamp);
  // The four families, moved out.
  std::vector<prometheus::MetricFamily> take() &&;
};

}  // namespace mexp
