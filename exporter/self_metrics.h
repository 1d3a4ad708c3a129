// The exporter's own instrumentation that is not tied to a target: build info, HTTP requests and
// the process_* metrics. Per-target self metrics (pg_up, collector duration/success) are made by
// the poller next to the collectors they describe.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <memory>
#include <string_view>
#include <vector>

namespace mexp {

class SelfMetrics {
 public:
  SelfMetrics();
  // `path` must be one of the server's known routes or "other" (bounded cardinality).
  void count_http_request(std::string_view path, int code);
  // After every configuration (re)load: success flag, and the time of the last successful one.
  void record_config_load(bool success);
  std::vector<prometheus::MetricFamily> collect() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* http_requests_;
  prometheus::Gauge* reload_successful_;
  prometheus::Gauge* reload_success_timestamp_;
};

}  // namespace mexp
