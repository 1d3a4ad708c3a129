// postmaster collector: postgres_exporter's pg_postmaster_start_time_seconds (when the server
// started, as a Unix time: a restart shows as a jump).
#include "collectors/server_wide.h"
#include "core/collector.h"

namespace mexp {
namespace {

class PostmasterCollector final : public Collector {
 public:
  std::vector<prometheus::MetricFamily> collect(CollectContext& context) override {
    const auto result = context.session.query(
        "SELECT extract(epoch FROM pg_catalog.pg_postmaster_start_time()) AS started");
    auto started =
        gauge_family("pg_postmaster_start_time_seconds", "Time at which postmaster started");
    if (result.rows() == 1)
      add_gauge(started, server_labels(context.base_labels), result.number(0, 0));
    std::vector<prometheus::MetricFamily> families;
    families.push_back(std::move(started));
    return families;
  }
};

const bool registered = register_collector({
    .name = "postmaster",
    .description = "When the server started (postgres_exporter's pg_postmaster_start_time_seconds)",
    .enabled_by_default = true,
    .default_interval = std::chrono::minutes(1),
    .factory = [](CollectorOptions&) -> std::unique_ptr<Collector> {
      return std::make_unique<PostmasterCollector>();
    },
    .postgres_exporter_families = {"pg_postmaster_start_time_seconds"},
    .postgres_exporter_only = true,
});

}  // namespace
}  // namespace mexp
