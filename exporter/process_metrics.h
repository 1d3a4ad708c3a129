// The standard process_* metrics every Prometheus exporter exposes, read from /proc/self.
#pragma once

#include <prometheus/metric_family.h>

#include <vector>

namespace mexp {

std::vector<prometheus::MetricFamily> collect_process_metrics();

}  // namespace mexp
