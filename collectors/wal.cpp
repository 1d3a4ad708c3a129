// wal collector: postgres_exporter's pg_wal_segments and pg_wal_size_bytes, the WAL segment files
// in pg_wal (pg_ls_waldir(), which pg_monitor may call; it lists a directory and locks nothing).
#include "collectors/server_wide.h"
#include "core/collector.h"

namespace mexp {
namespace {

constexpr const char* kStatement =
    "SELECT count(*) AS segments, sum(size) AS size FROM pg_catalog.pg_ls_waldir() "
    "WHERE name ~ '^[0-9A-F]{24}$'";

class WalCollector final : public Collector {
 public:
  std::vector<prometheus::MetricFamily> collect(CollectContext& context) override {
    const auto result = context.session.query(kStatement);
    const auto labels = server_labels(context.base_labels);
    auto segments = gauge_family("pg_wal_segments", "Number of WAL segments");
    auto size = gauge_family("pg_wal_size_bytes", "Total size of WAL segments");
    add_gauge(segments, labels, result.number(0, 0));
    if (const auto bytes = result.optional_number(0, 1)) add_gauge(size, labels, *bytes);
    std::vector<prometheus::MetricFamily> families;
    families.push_back(std::move(segments));
    families.push_back(std::move(size));
    return families;
  }
};

const bool registered = register_collector({
    .name = "wal",
    .description = "WAL segment files in pg_wal (postgres_exporter's pg_wal_*)",
    .enabled_by_default = true,
    .default_interval = std::chrono::minutes(1),
    .factory = [](CollectorOptions&) -> std::unique_ptr<Collector> {
      return std::make_unique<WalCollector>();
    },
    .postgres_exporter_families = {"pg_wal_segments", "pg_wal_size_bytes"},
    .postgres_exporter_only = true,
});

}  // namespace
}  // namespace mexp
