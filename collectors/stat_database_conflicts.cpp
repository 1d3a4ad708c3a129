// stat_database_conflicts collector: postgres_exporter's pg_stat_database_conflicts_confl_*
// (queries a standby cancelled, by cause), labels datid, datname and `server`: this family still
// comes from postgres_exporter's legacy built-in map, which keeps that label in every release.
#include <array>

#include "collectors/column_families.h"
#include "collectors/server_wide.h"
#include "core/collector.h"

namespace mexp {
namespace {

using prometheus::MetricType;
constexpr std::array kColumns = {
    ColumnMetric{"confl_tablespace", "pg_stat_database_conflicts_confl_tablespace",
                 MetricType::Counter,
                 "Number of queries in this database that have been canceled due to dropped "
                 "tablespaces"},
    ColumnMetric{"confl_lock", "pg_stat_database_conflicts_confl_lock", MetricType::Counter,
                 "Number of queries in this database that have been canceled due to lock "
                 "timeouts"},
    ColumnMetric{"confl_snapshot", "pg_stat_database_conflicts_confl_snapshot", MetricType::Counter,
                 "Number of queries in this database that have been canceled due to old "
                 "snapshots"},
    ColumnMetric{"confl_bufferpin", "pg_stat_database_conflicts_confl_bufferpin",
                 MetricType::Counter,
                 "Number of queries in this database that have been canceled due to pinned "
                 "buffers"},
    ColumnMetric{"confl_deadlock", "pg_stat_database_conflicts_confl_deadlock", MetricType::Counter,
                 "Number of queries in this database that have been canceled due to deadlocks"},
};

constexpr const char* kStatement =
    "SELECT datid::text AS datid, datname, confl_tablespace, confl_lock, confl_snapshot, "
    "confl_bufferpin, confl_deadlock FROM pg_catalog.pg_stat_database_conflicts "
    "WHERE datname IS NOT NULL";

class StatDatabaseConflictsCollector final : public Collector {
 public:
  std::vector<prometheus::MetricFamily> collect(CollectContext& context) override {
    const auto result = context.session.query(kStatement);
    const std::string server = postgres_exporter_server(context.session.settings().conninfo);
    ColumnFamilies columns(kColumns);
    const int datid = result.column("datid"), datname = result.column("datname");
    for (int row = 0; row < result.rows(); ++row) {
      columns.add_row(result, row,
                      with_labels(for_database(context.base_labels, result.text(row, datname)),
                                  {{"datid", result.text(row, datid)}, {"server", server}}));
    }
    std::vector<prometheus::MetricFamily> families;
    columns.move_into(families);
    return families;
  }
};

const bool registered = register_collector({
    .name = "stat_database_conflicts",
    .description = "pg_stat_database_conflicts: queries a standby cancelled, by cause "
                   "(postgres_exporter's pg_stat_database_conflicts_confl_*)",
    .enabled_by_default = true,
    .default_interval = std::chrono::milliseconds(0),
    .factory = [](CollectorOptions&) -> std::unique_ptr<Collector> {
      return std::make_unique<StatDatabaseConflictsCollector>();
    },
    .postgres_exporter_families = ColumnFamilies::names(kColumns),
    .postgres_exporter_only = true,
});

}  // namespace
}  // namespace mexp
