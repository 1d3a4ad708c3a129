// stat_archiver collector: postgres_exporter's pg_stat_archiver_* (WAL archiving: files archived,
// failed attempts, and seconds since the last success, absent until a first success).
#include <array>

#include "collectors/column_families.h"
#include "collectors/server_wide.h"
#include "core/collector.h"

namespace mexp {
namespace {

using prometheus::MetricType;
constexpr std::array kColumns = {
    ColumnMetric{"archived_count", "pg_stat_archiver_archived_count", MetricType::Counter,
                 "Number of WAL files that have been successfully archived"},
    ColumnMetric{"failed_count", "pg_stat_archiver_failed_count", MetricType::Counter,
                 "Number of failed attempts for archiving WAL files"},
    ColumnMetric{"last_archive_age", "pg_stat_archiver_last_archive_age", MetricType::Gauge,
                 "Time in seconds since last WAL segment was successfully archived"},
};

constexpr const char* kStatement =
    "SELECT archived_count, failed_count, "
    "extract(epoch FROM now() - last_archived_time) AS last_archive_age "
    "FROM pg_catalog.pg_stat_archiver";

class StatArchiverCollector final : public Collector {
 public:
  std::vector<prometheus::MetricFamily> collect(CollectContext& context) override {
    return ColumnFamilies::of_rows(kColumns, context.session.query(kStatement),
                                   server_labels(context.base_labels));
  }
};

const bool registered = register_collector({
    .name = "stat_archiver",
    .description = "pg_stat_archiver: WAL archiving progress (postgres_exporter's "
                   "pg_stat_archiver_*)",
    .enabled_by_default = true,
    .default_interval = std::chrono::milliseconds(0),
    .factory = [](CollectorOptions&) -> std::unique_ptr<Collector> {
      return std::make_unique<StatArchiverCollector>();
    },
    .postgres_exporter_families = ColumnFamilies::names(kColumns),
    .postgres_exporter_only = true,
});

}  // namespace
}  // namespace mexp
