// statio_user_tables collector: postgres_exporter's pg_statio_user_tables_* (buffer hits and disk
// reads of each table, its indexes and its TOAST data; labels datname, schemaname, relname), with
// the tables collector's include/exclude patterns and top-N cap, ranked every rank_interval.
// Statistics functions only: no relation is locked or opened, so a migration's lock cannot make
// this wait.
#include <array>

#include "collectors/column_families.h"
#include "collectors/database_visitor.h"
#include "collectors/relation_cadence.h"
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

// Ranking: the relations pg_statio_user_tables lists, filtered and ranked by their recorded page
// counts (heap and TOAST) in pg_class. It reads every relation of the database, so it runs at
// rank_interval (as the tables collector's does), not every run.
std::string ranking_sql() {
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
  SELECT relid, count(*) OVER () AS matched,
         row_number() OVER (ORDER BY pages DESC, schemaname, relname) AS rank
  FROM scope
)
SELECT relid::text, matched FROM ranked WHERE $5::bigint = 0 OR rank <= $5::bigint ORDER BY rank)SQL";
}

// Every run: the view's statistics for the ranked tables ($1, in rank order), looked up one table
// at a time. NULL counters (a table without indexes or TOAST) are 0, as postgres_exporter reports
// them. A table dropped since the ranking has no row.
constexpr const char* kStatisticsSql = R"SQL(
SELECT s.schemaname, s.relname,
       coalesce(s.heap_blks_read, 0) AS heap_blks_read, coalesce(s.heap_blks_hit, 0) AS heap_blks_hit,
       coalesce(s.idx_blks_read, 0) AS idx_blks_read, coalesce(s.idx_blks_hit, 0) AS idx_blks_hit,
       coalesce(s.toast_blks_read, 0) AS toast_blks_read,
       coalesce(s.toast_blks_hit, 0) AS toast_blks_hit,
       coalesce(s.tidx_blks_read, 0) AS tidx_blks_read,
       coalesce(s.tidx_blks_hit, 0) AS tidx_blks_hit
FROM unnest($1::oid[]) WITH ORDINALITY AS e(relid, rank)
CROSS JOIN LATERAL (SELECT * FROM pg_catalog.pg_statio_user_tables s
                    WHERE s.relid = e.relid LIMIT 1) s
ORDER BY e.rank)SQL";

class StatioUserTablesCollector final : public Collector {
 public:
  StatioUserTablesCollector(RelationScope scope, RelationCadence cadence,
                            DatabaseSelection databases)
      : scope_(std::move(scope)),
        ranking_sql_(ranking_sql()),
        ranked_(cadence),
        visitor_("statio_user_tables", std::move(databases)) {}

  std::vector<prometheus::MetricFamily> collect(CollectContext& context) override {
    ColumnFamilies columns(kColumns);
    auto dropped = gauge_family("migration_exporter_statio_user_tables_dropped",
                                "Tables that matched the include/exclude patterns but were not "
                                "exported by statio_user_tables because of the max_tables cap (as "
                                "of the last ranking)");
    const auto now = RankedRelations::Clock::now();
    std::vector<prometheus::MetricFamily> families;
    visitor_.visit_all(
        context,
        [&](PgSession& session, const Labels& base) {
          auto& ranked = ranked_.of(session.datname());
          if (ranked.needs_ranking(now)) rank_relations(session, ranking_sql_, scope_, ranked, now);
          const auto result = session.query(kStatisticsSql, {ranked.oid_array()});
          for (int row = 0; row < result.rows(); ++row) {
            columns.add_row(result, row,
                            with_labels(base, {{"schemaname", result.text(row, 0)},
                                               {"relname", result.text(row, 1)}}));
          }
          ranked.saw(static_cast<std::size_t>(result.rows()));
          add_gauge(dropped, base, ranked.matched() - static_cast<double>(ranked.exported()));
        },
        families);
    columns.move_into(families);
    families.push_back(std::move(dropped));
    return families;
  }

 private:
  RelationScope scope_;
  std::string ranking_sql_;
  RankedRelationsByDatabase ranked_;
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
      auto cadence = read_rank_interval(options);
      auto databases = read_database_selection(options);
      return std::make_unique<StatioUserTablesCollector>(std::move(scope), cadence,
                                                         std::move(databases));
    },
    .postgres_exporter_families = ColumnFamilies::names(kColumns),
});

}  // namespace
}  // namespace mexp
