// stat_checkpointer collector: postgres_exporter's pg_stat_checkpointer_*_total, from
// pg_stat_checkpointer, which PostgreSQL 17 added (the checkpoint columns pg_stat_bgwriter had
// before). On older servers the view does not exist and the collector exports nothing.
#include <array>

#include "collectors/column_families.h"
#include "collectors/server_wide.h"
#include "core/collector.h"

namespace mexp {
namespace {

using prometheus::MetricType;
constexpr std::array kColumns = {
    ColumnMetric{"num_timed", "pg_stat_checkpointer_num_timed_total", MetricType::Counter,
                 "Number of scheduled checkpoints due to timeout"},
    ColumnMetric{"num_requested", "pg_stat_checkpointer_num_requested_total", MetricType::Counter,
                 "Number of requested checkpoints that have been performed"},
    ColumnMetric{"restartpoints_timed", "pg_stat_checkpointer_restartpoints_timed_total",
                 MetricType::Counter,
                 "Number of scheduled restartpoints due to timeout or after a failed attempt to "
                 "perform it"},
    ColumnMetric{"restartpoints_req", "pg_stat_checkpointer_restartpoints_req_total",
                 MetricType::Counter, "Number of requested restartpoints"},
    ColumnMetric{"restartpoints_done", "pg_stat_checkpointer_restartpoints_done_total",
                 MetricType::Counter, "Number of restartpoints that have been performed"},
    ColumnMetric{"write_time", "pg_stat_checkpointer_write_time_total", MetricType::Counter,
                 "Total amount of time that has been spent in the portion of processing "
                 "checkpoints and restartpoints where files are written to disk, in milliseconds"},
    ColumnMetric{"sync_time", "pg_stat_checkpointer_sync_time_total", MetricType::Counter,
                 "Total amount of time that has been spent in the portion of processing "
                 "checkpoints and restartpoints where files are synchronized to disk, in "
                 "milliseconds"},
    ColumnMetric{"buffers_written", "pg_stat_checkpointer_buffers_written_total",
                 MetricType::Counter,
                 "Number of buffers written during checkpoints and "
                 "restartpoints"},
    ColumnMetric{"stats_reset", "pg_stat_checkpointer_stats_reset_total", MetricType::Counter,
                 "Time at which these statistics were last reset"},
};

constexpr const char* kStatement =
    "SELECT num_timed, num_requested, restartpoints_timed, restartpoints_req, restartpoints_done, "
    "write_time, sync_time, buffers_written, "
    "coalesce(extract(epoch FROM date_trunc('second', stats_reset)), 0) AS stats_reset "
    "FROM pg_catalog.pg_stat_checkpointer";

class StatCheckpointerCollector final : public Collector {
 public:
  std::vector<prometheus::MetricFamily> collect(CollectContext& context) override {
    if (context.session.server_version() < 170000) return {};
    return ColumnFamilies::of_rows(kColumns, context.session.query(kStatement),
                                   server_labels(context.base_labels));
  }
};

const bool registered = register_collector({
    .name = "stat_checkpointer",
    .description = "pg_stat_checkpointer (PostgreSQL 17+): checkpoints and restartpoints "
                   "(postgres_exporter's pg_stat_checkpointer_*_total)",
    .enabled_by_default = true,
    .default_interval = std::chrono::milliseconds(0),
    .factory = [](CollectorOptions&) -> std::unique_ptr<Collector> {
      return std::make_unique<StatCheckpointerCollector>();
    },
    .postgres_exporter_families = ColumnFamilies::names(kColumns),
    .postgres_exporter_only = true,
});

}  // namespace
}  // namespace mexp
