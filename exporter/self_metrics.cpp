// Build info, HTTP request counters and process metrics.
#include "exporter/self_metrics.h"

#include <prometheus/gauge.h>

#include <string>

#include "build_info.h"
#include "exporter/process_metrics.h"

namespace mexp {

SelfMetrics::SelfMetrics() : registry_(std::make_shared<prometheus::Registry>()) {
  prometheus::BuildGauge()
      .Name("migration_exporter_build_info")
      .Help(
          "A metric with a constant '1' value labelled by version and revision of "
          "migration_exporter.")
      .Register(*registry_)
      .Add({{"version", build::kVersion}, {"revision", build::kRevision}})
      .Set(1);
  http_requests_ = &prometheus::BuildCounter()
                        .Name("migration_exporter_http_requests_total")
                        .Help("HTTP requests served, by route and status code.")
                        .Register(*registry_);
}

void SelfMetrics::count_http_request(std::string_view path, int code) {
  http_requests_->Add({{"path", std::string(path)}, {"code", std::to_string(code)}}).Increment();
}

std::vector<prometheus::MetricFamily> SelfMetrics::collect() const {
  auto families = registry_->Collect();
  auto process = collect_process_metrics();
  families.insert(families.end(), std::make_move_iterator(process.begin()),
                  std::make_move_iterator(process.end()));
  return families;
}

}  // namespace mexp
