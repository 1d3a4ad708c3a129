// stat_bgwriter collector: postgres_exporter's pg_stat_bgwriter_*_total, from one read of
// pg_stat_bgwriter. PostgreSQL 17 moved the checkpoint and backend columns to pg_stat_checkpointer
// and pg_stat_io: from 17 on only buffers_clean, maxwritten_clean, buffers_alloc and stats_reset
// remain here (stat_checkpointer exports the rest), as in postgres_exporter.
#include <array>

#include "collectors/column_families.h"
#include "collectors/server_wide.h"
#include "core/collector.h"

namespace mexp {
namespace {

using prometheus::MetricType;
constexpr std::array kColumns = {
    ColumnMetric{"checkpoints_timed", "pg_stat_bgwriter_checkpoints_timed_total",
                 MetricType::Counter, "Number of scheduled checkpoints that have been performed"},
    ColumnMetric{"checkpoints_req", "pg_stat_bgwriter_checkpoints_req_total", MetricType::Counter,
                 "Number of requested checkpoints that have been performed"},
    ColumnMetric{"checkpoint_write_time", "pg_stat_bgwriter_checkpoint_write_time_total",
                 MetricType::Counter,
                 "Total amount of time that has been spent in the portion of checkpoint "
                 "processing where files are written to disk, in milliseconds"},
    ColumnMetric{"checkpoint_sync_time", "pg_stat_bgwriter_checkpoint_sync_time_total",
                 MetricType::Counter,
                 "Total amount of time that has been spent in the portion of checkpoint "
                 "processing where files are synchronized to disk, in milliseconds"},
    ColumnMetric{"buffers_checkpoint", "pg_stat_bgwriter_buffers_checkpoint_total",
                 MetricType::Counter, "Number of buffers written during checkpoints"},
    ColumnMetric{"buffers_clean", "pg_stat_bgwriter_buffers_clean_total", MetricType::Counter,
                 "Number of buffers written by the background writer"},
    ColumnMetric{"maxwritten_clean", "pg_stat_bgwriter_maxwritten_clean_total", MetricType::Counter,
                 "Number of times the background writer stopped a cleaning scan because it had "
                 "written too many buffers"},
    ColumnMetric{"buffers_backend", "pg_stat_bgwriter_buffers_backend_total", MetricType::Counter,
                 "Number of buffers written directly by a backend"},
    ColumnMetric{"buffers_backend_fsync", "pg_stat_bgwriter_buffers_backend_fsync_total",
                 MetricType::Counter,
                 "Number of times a backend had to execute its own fsync call (normally the "
                 "background writer handles those even when the backend does its own write)"},
    ColumnMetric{"buffers_alloc", "pg_stat_bgwriter_buffers_alloc_total", MetricType::Counter,
                 "Number of buffers allocated"},
    ColumnMetric{"stats_reset", "pg_stat_bgwriter_stats_reset_total", MetricType::Counter,
                 "Time at which these statistics were last reset"},
};

std::string statement(int server_version) {
  const char* moved_in_17 =
      server_version >= 170000
          ? "NULL::float8 AS checkpoints_timed, NULL::float8 AS checkpoints_req, "
            "NULL::float8 AS checkpoint_write_time, NULL::float8 AS checkpoint_sync_time, "
            "NULL::float8 AS buffers_checkpoint, NULL::float8 AS buffers_backend, "
            "NULL::float8 AS buffers_backend_fsync"
          : "checkpoints_timed, checkpoints_req, checkpoint_write_time, checkpoint_sync_time, "
            "buffers_checkpoint, buffers_backend, buffers_backend_fsync";
  return std::string("SELECT ") + moved_in_17 +
         ", buffers_clean, maxwritten_clean, buffers_alloc, "
         "coalesce(extract(epoch FROM date_trunc('second', stats_reset)), 0) AS stats_reset "
         "FROM pg_catalog.pg_stat_bgwriter";
}

class StatBgwriterCollector final : public Collector {
 public:
  std::vector<prometheus::MetricFamily> collect(CollectContext& context) override {
    return ColumnFamilies::of_rows(
        kColumns, context.session.query(statement(context.session.server_version())),
        server_labels(context.base_labels));
  }
};

const bool registered = register_collector({
    .name = "stat_bgwriter",
    .description = "pg_stat_bgwriter: checkpoints and buffer writes (postgres_exporter's "
                   "pg_stat_bgwriter_*_total)",
    .enabled_by_default = true,
    .default_interval = std::chrono::milliseconds(0),
    .factory = [](CollectorOptions&) -> std::unique_ptr<Collector> {
      return std::make_unique<StatBgwriterCollector>();
    },
    .postgres_exporter_families = ColumnFamilies::names(kColumns),
    .postgres_exporter_only = true,
});

}  // namespace
}  // namespace mexp
