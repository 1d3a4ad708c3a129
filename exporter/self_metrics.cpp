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
  reload_successful_ =
      &prometheus::BuildGauge()
           .Name("migration_exporter_config_last_reload_successful")
           .Help("Whether the last configuration (re)load succeeded (1) or was rejected (0).")
           .Register(*registry_)
           .Add({});
  reload_success_timestamp_ =
      &prometheus::BuildGauge()
           .Name("migration_exporter_config_last_reload_success_timestamp_seconds")
           .Help("When the configuration was last loaded successfully, as a Unix timestamp.")
           .Register(*registry_)
           .Add({});
}

void SelfMetrics::record_config_load(bool success) {
  reload_successful_->Set(success ? 1 : 0);
  if (success) reload_success_timestamp_->SetToCurrentTime();
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
