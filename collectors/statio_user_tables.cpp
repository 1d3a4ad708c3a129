// statio_user_tables collector: postgres_exporter's pg_statio_user_tables_* (buffer hits and disk
// reads of each table, its indexes and its TOAST data; labels datname, schemaname, relname), with
// the tables collector's include/exclude patterns and top-N cap. Statistics functions only: no
// relation is locked or opened, so a migration's lock cannot make this wait.
#include <array>

#include "collectors/column_families.h"
#include "collectors/database_visitor.h"
#include "collectors/relation_scope.h"
#include "core/collector.h"

namespace mexp {
namespace {

using prometheus::MetricType;
constexpr std::array kColumns = {
    ColumnMetric{"heap_blks_read", "pg_statio_user_tables_heap_blocks_read", MetricType::Counter,
                 "Number of disk blocks read from this table"},
    ColumnMetric{"heap_blks_hit", "pg_statio_user_tables_heap_blocks_hit", MetricType::Counter,
                 "Number of buffer hits in this table"},
    ColumnMetric{"idx_blks_read", "pg_statio_user_tables_idx_blocks_read", MetricType::Counter,
                 "Number of disk blocks read from all indexes on this table"},
    ColumnMetric{"idx_blks_hit", "pg_statio_user_tables_idx_blocks_hit", MetricType::Counter,
                 "Number of buffer hits in all indexes on this table"},
    ColumnMetric{"toast_blks_read", "pg_statio_user_tables_toast_blocks_read", MetricType::Counter,
                 "Number of disk blocks read from this table's TOAST table (if any)"},
    ColumnMetric{"toast_blks_hit", "pg_statio_user_tables_toast_blocks_hit", MetricType::Counter,
                 "Number of buffer hits in this table's TOAST table (if any)"},
    ColumnMetric{"tidx_blks_read", "pg_statio_user_tables_tidx_blocks_read", MetricType::Counter,
                 "Number of disk blocks read from this table's TOAST table indexes (if any)"},
    ColumnMetric{"tidx_blks_hit", "pg_statio_user_tables_tidx_blocks_hit", MetricType::Counter,
                 "Number of buffer hits in this table's TOAST table indexes (if any)"},
};

// The relations pg_statio_user_tables lists, filtered and ranked by their recorded page counts
// (heap and TOAST) in pg_class; the view's statistics are then computed for the kept ones only.
// NULL counters (a table without indexes or TOAST) are 0, as postgres_exporter reports them.
std::string statement() {
  return std::string(R"SQL(
WITH scope AS (
  SELECT * FROM (
    SELECT c.oid AS relid, n.nspname AS schemaname, c.relname,
           c.relpages::bigint + coalesce(t.relpages, 0) AS pages
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_catalog.pg_class t ON t.oid = c.reltoastrelid
    WHERE c.relkind IN ('r', 't', 'm')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
  ) candidate
  WHERE )SQL") +
         std::string(kRelationScopeFilter) + R"SQL(
),
ranked AS (
  SELECT scope.*, count(*) OVER () AS matched,
         row_number() OVER (ORDER BY pages DESC, schemaname, relname) AS rank
  FROM scope
)
SELECT r.schemaname, r.relname,
       coalesce(s.heap_blks_read, 0) AS heap_blks_read, coalesce(s.heap_blks_hit, 0) AS heap_blks_hit,
       coalesce(s.idx_blks_read, 0) AS idx_blks_read, coalesce(s.idx_blks_hit, 0) AS idx_blks_hit,
       coalesce(s.toast_blks_read, 0) AS toast_blks_read,
       coalesce(s.toast_blks_hit, 0) AS toast_blks_hit,
       coalesce(s.tidx_blks_read, 0) AS tidx_blks_read,
       coalesce(s.tidx_blks_hit, 0) AS tidx_blks_hit, r.matched
FROM ranked r
CROSS JOIN LATERAL (SELECT * FROM pg_catalog.pg_statio_user_tables s
                    WHERE s.relid = r.relid LIMIT 1) s
WHERE $5::bigint = 0 OR r.rank <= $5::bigint
ORDER BY r.rank)SQL";
}

class StatioUserTablesCollector final : public Collector {
 public:
  StatioUserTablesCollector(RelationScope scope, DatabaseSelection databases)
      : scope_(std::move(scope)), visitor_("statio_user_tables", std::move(databases)) {}

  std::vector<prometheus::MetricFamily> collect(CollectContext& context) override {
    ColumnFamilies columns(kColumns);
    auto dropped = gauge_family("migration_exporter_statio_user_tables_dropped",
                                "Tables that matched the include/exclude patterns but were not "
                                "exported by statio_user_tables in the last poll because of the "
                                "max_tables cap");
    const auto params = relation_scope_params(scope_);
    std::vector<prometheus::MetricFamily> families;
    visitor_.visit_all(
        context,
        [&](PgSession& session, const Labels& base) {
          const auto result = session.query(sql_, params);
          double matched = 0;
          for (int row = 0; row < result.rows(); ++row) {
            columns.add_row(result, row,
                            with_labels(base, {{"schemaname", result.text(row, 0)},
                                               {"relname", result.text(row, 1)}}));
            matched = result.number(row, result.column("matched"));
          }
          add_gauge(dropped, base, matched - result.rows());
        },
        families);
    columns.move_into(families);
    families.push_back(std::move(dropped));
    return families;
  }

 private:
  RelationScope scope_;
  std::string sql_ = statement();
  DatabaseVisitor visitor_;
};

const bool registered = register_collector({
    .name = "statio_user_tables",
    .description = "pg_statio_user_tables: buffer hits and disk reads per table "
                   "(postgres_exporter's pg_statio_user_tables_*), capped like tables",
    .enabled_by_default = true,
    .default_interval = std::chrono::minutes(1),
    .per_database = true,
    .factory = [](CollectorOptions& options) -> std::unique_ptr<Collector> {
      auto scope = read_relation_scope(options, "max_tables", 300);
      auto databases = read_database_selection(options);
      return std::make_unique<StatioUserTablesCollector>(std::move(scope), std::move(databases));
    },
    .postgres_exporter_families = ColumnFamilies::names(kColumns),
});

}  // namespace
}  // namespace mexp
