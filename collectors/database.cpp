// database collector: postgres_exporter's pg_database_size_bytes and
// pg_database_connection_limit for every database of the server, from one statement.
//
// Guest manners: pg_database_size() takes no lock (it sums the files of the database directory
// and ignores files that vanish meanwhile), so it cannot queue behind anything. It is still not
// called for a database that DROP DATABASE or ALTER DATABASE holds or awaits ACCESS EXCLUSIVE on
// (a shared-object lock in pg_locks), nor for one an interrupted DROP DATABASE left invalid
// (datconnlimit -2, PostgreSQL 15.4+): their size is meaningless and their files are going away.
// Those are counted in migration_exporter_database_size_skipped instead.
#include "collectors/server_wide.h"
#include "core/collector.h"

namespace mexp {
namespace {

constexpr const char* kStatement = R"SQL(
WITH being_changed AS (
  SELECT DISTINCT objid AS oid FROM pg_catalog.pg_locks
  WHERE locktype = 'object' AND classid = 'pg_catalog.pg_database'::regclass
    AND mode = 'AccessExclusiveLock'
)
SELECT d.datname, d.datconnlimit,
       CASE WHEN b.oid IS NULL AND d.datconnlimit <> -2 THEN pg_catalog.pg_database_size(d.oid)
       END AS size
FROM pg_catalog.pg_database d LEFT JOIN being_changed b ON b.oid = d.oid
ORDER BY d.datname)SQL";

class DatabaseCollector final : public Collector {
 public:
  std::vector<prometheus::MetricFamily> collect(CollectContext& context) override {
    const auto result = context.session.query(kStatement);
    auto size = gauge_family("pg_database_size_bytes", "Disk space used by the database");
    auto limit =
        gauge_family("pg_database_connection_limit", "Connection limit set for the database");
    auto skipped = gauge_family(
        "migration_exporter_database_size_skipped",
        "Databases whose size was not measured in the last poll because DROP or ALTER DATABASE "
        "held or awaited their lock, or an interrupted DROP DATABASE left them invalid");
    int skipped_count = 0;
    for (int row = 0; row < result.rows(); ++row) {
      const auto labels = for_database(server_labels(context.base_labels), result.text(row, 0));
      add_gauge(limit, labels, result.number(row, 1));
      if (const auto bytes = result.optional_number(row, 2)) {
        add_gauge(size, labels, *bytes);
      } else {
        ++skipped_count;
      }
    }
    add_gauge(skipped, server_labels(context.base_labels), skipped_count);
    std::vector<prometheus::MetricFamily> families;
    families.push_back(std::move(size));
    families.push_back(std::move(limit));
    families.push_back(std::move(skipped));
    return families;
  }
};

const bool registered = register_collector({
    .name = "database",
    .description = "Size and connection limit of every database (postgres_exporter's "
                   "pg_database_*), skipping databases being dropped",
    .enabled_by_default = true,
    .default_interval = std::chrono::minutes(15),
    .factory = [](CollectorOptions&) -> std::unique_ptr<Collector> {
      return std::make_unique<DatabaseCollector>();
    },
    .postgres_exporter_families = {"pg_database_size_bytes", "pg_database_connection_limit"},
});

}  // namespace
}  // namespace mexp
