// stat_database collector: postgres_exporter's pg_stat_database_* (same names, types, help and
// labels datid, datname), one series per database of the server from one read of
// pg_stat_database. A statistics view: no relation is locked, nothing can wait.
#include <array>

#include "collectors/column_families.h"
#include "collectors/server_wide.h"
#include "core/collector.h"

namespace mexp {
namespace {

using prometheus::MetricType;
constexpr std::array kColumns = {
    ColumnMetric{"numbackends", "pg_stat_database_numbackends", MetricType::Gauge,
                 "Number of backends currently connected to this database. This is the only "
                 "column in this view that returns a value reflecting current state; all other "
                 "columns return the accumulated values since the last reset."},
    ColumnMetric{"xact_commit", "pg_stat_database_xact_commit", MetricType::Counter,
                 "Number of transactions in this database that have been committed"},
    ColumnMetric{"xact_rollback", "pg_stat_database_xact_rollback", MetricType::Counter,
                 "Number of transactions in this database that have been rolled back"},
    ColumnMetric{"blks_read", "pg_stat_database_blks_read", MetricType::Counter,
                 "Number of disk blocks read in this database"},
    ColumnMetric{"blks_hit", "pg_stat_database_blks_hit", MetricType::Counter,
                 "Number of times disk blocks were found already in the buffer cache, so that a "
                 "read was not necessary (this only includes hits in the PostgreSQL buffer cache, "
                 "not the operating system's file system cache)"},
    ColumnMetric{"tup_returned", "pg_stat_database_tup_returned", MetricType::Counter,
                 "Number of rows returned by queries in this database"},
    ColumnMetric{"tup_fetched", "pg_stat_database_tup_fetched", MetricType::Counter,
                 "Number of rows fetched by queries in this database"},
    ColumnMetric{"tup_inserted", "pg_stat_database_tup_inserted", MetricType::Counter,
                 "Number of rows inserted by queries in this database"},
    ColumnMetric{"tup_updated", "pg_stat_database_tup_updated", MetricType::Counter,
                 "Number of rows updated by queries in this database"},
    ColumnMetric{"tup_deleted", "pg_stat_database_tup_deleted", MetricType::Counter,
                 "Number of rows deleted by queries in this database"},
    ColumnMetric{"conflicts", "pg_stat_database_conflicts", MetricType::Counter,
                 "Number of queries canceled due to conflicts with recovery in this database. "
                 "(Conflicts occur only on standby servers; see pg_stat_database_conflicts for "
                 "details.)"},
    ColumnMetric{"temp_files", "pg_stat_database_temp_files", MetricType::Counter,
                 "Number of temporary files created by queries in this database. All temporary "
                 "files are counted, regardless of why the temporary file was created (e.g., "
                 "sorting or hashing), and regardless of the log_temp_files setting."},
    ColumnMetric{"temp_bytes", "pg_stat_database_temp_bytes", MetricType::Counter,
                 "Total amount of data written to temporary files by queries in this database. "
                 "All temporary files are counted, regardless of why the temporary file was "
                 "created, and regardless of the log_temp_files setting."},
    ColumnMetric{"deadlocks", "pg_stat_database_deadlocks", MetricType::Counter,
                 "Number of deadlocks detected in this database"},
    ColumnMetric{"blk_read_time", "pg_stat_database_blk_read_time", MetricType::Counter,
                 "Time spent reading data file blocks by backends in this database, in "
                 "milliseconds"},
    ColumnMetric{"blk_write_time", "pg_stat_database_blk_write_time", MetricType::Counter,
                 "Time spent writing data file blocks by backends in this database, in "
                 "milliseconds"},
    ColumnMetric{"stats_reset", "pg_stat_database_stats_reset", MetricType::Counter,
                 "Time at which these statistics were last reset"},
    ColumnMetric{"active_time", "pg_stat_database_active_time_seconds_total", MetricType::Counter,
                 "Time spent executing SQL statements in this database, in seconds"},
};

// The row of shared objects (datid 0, datname NULL) is left out, as postgres_exporter does.
// stats_reset is a Unix time, 0 when never reset; active_time exists from PostgreSQL 14 (NULL
// before: no series).
std::string statement(int server_version) {
  const std::string active_time =
      server_version >= 140000 ? "active_time / 1000.0" : "NULL::float8";
  return "SELECT datid::text AS datid, datname, numbackends, xact_commit, xact_rollback, "
         "blks_read, blks_hit, tup_returned, tup_fetched, tup_inserted, tup_updated, "
         "tup_deleted, conflicts, temp_files, temp_bytes, deadlocks, blk_read_time, "
         "blk_write_time, coalesce(extract(epoch FROM date_trunc('second', stats_reset)), 0) "
         "AS stats_reset, " +
         active_time + " AS active_time FROM pg_catalog.pg_stat_database WHERE datname IS NOT NULL";
}

class StatDatabaseCollector final : public Collector {
 public:
  std::vector<prometheus::MetricFamily> collect(CollectContext& context) override {
    const auto result = context.session.query(statement(context.session.server_version()));
    ColumnFamilies columns(kColumns);
    const int datid = result.column("datid"), datname = result.column("datname");
    for (int row = 0; row < result.rows(); ++row) {
      const auto labels = with_labels(for_database(context.base_labels, result.text(row, datname)),
                                      {{"datid", result.text(row, datid)}});
      columns.add_row(result, row, labels);
    }
    std::vector<prometheus::MetricFamily> families;
    columns.move_into(families);
    return families;
  }
};

const bool registered = register_collector({
    .name = "stat_database",
    .description = "pg_stat_database for every database (postgres_exporter's pg_stat_database_*)",
    .enabled_by_default = true,
    .default_interval = std::chrono::milliseconds(0),
    .factory = [](CollectorOptions&) -> std::unique_ptr<Collector> {
      return std::make_unique<StatDatabaseCollector>();
    },
    .postgres_exporter_families = ColumnFamilies::names(kColumns),
    .postgres_exporter_only = true,
});

}  // namespace
}  // namespace mexp
