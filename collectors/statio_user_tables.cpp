// statio_user_tables collector: postgres_exporter's pg_statio_user_tables_* (buffer hits and disk
// reads of each table, its indexes and its TOAST data; labels datname, schemaname, relname), with
// the tables collector's include/exclude patterns and top-N cap, ranked every rank_interval.
// Statistics functions only: no relation is locked or opened, so a migration's lock cannot make
// this wait.
#include <array>

#include "collectors/column_families.h"
#include "collectors/database_visitor.h"
#include "collectors/relation_cadence.h"
#include "collectors/relation_identity.h"
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

// At a ranking or when the catalogs changed: the view's statistics for the ranked tables ($1, in
// rank order), looked up one table at a time, with the oids of each table's indexes, TOAST table
// and TOAST indexes (RelationIdentity::members) for the runs that follow. NULL counters (a table
// without indexes or TOAST) are 0, as postgres_exporter reports them. A table dropped since the
// ranking has no row.
constexpr const char* kStatisticsSql = R"SQL(
SELECT e.relid::text AS relid, s.schemaname, s.relname,
       coalesce(s.heap_blks_read, 0) AS heap_blks_read, coalesce(s.heap_blks_hit, 0) AS heap_blks_hit,
       coalesce(s.idx_blks_read, 0) AS idx_blks_read, coalesce(s.idx_blks_hit, 0) AS idx_blks_hit,
       coalesce(s.toast_blks_read, 0) AS toast_blks_read,
       coalesce(s.toast_blks_hit, 0) AS toast_blks_hit,
       coalesce(s.tidx_blks_read, 0) AS tidx_blks_read,
       coalesce(s.tidx_blks_hit, 0) AS tidx_blks_hit,
       concat_ws(',',
         (SELECT string_agg('i' || i.indexrelid::text, ',') FROM pg_catalog.pg_index i
          WHERE i.indrelid = e.relid),
         (SELECT 't' || c.reltoastrelid::text || coalesce(
                   (SELECT ',' || string_agg('x' || x.indexrelid::text, ',')
                    FROM pg_catalog.pg_index x WHERE x.indrelid = c.reltoastrelid), '')
          FROM pg_catalog.pg_class c WHERE c.oid = e.relid AND c.reltoastrelid <> 0)) AS members
FROM unnest($1::oid[]) WITH ORDINALITY AS e(relid, rank)
CROSS JOIN LATERAL (SELECT * FROM pg_catalog.pg_statio_user_tables s
                    WHERE s.relid = e.relid LIMIT 1) s
ORDER BY e.rank)SQL";

// Every other run (relation_identity.h): the same counters from the statistics functions the view
// is defined with, for the tables the last catalog read identified ($1) and their members ($2,
// each belonging to the table at position $3 of $1, of kind $4), with no catalog lookup; `gone`
// is true for a table dropped since.
constexpr const char* kStatisticsOnlySql = R"SQL(
WITH members AS (
  SELECT position,
         sum(pg_stat_get_blocks_fetched(oid) - pg_stat_get_blocks_hit(oid))
           FILTER (WHERE kind = 'i') AS idx_blks_read,
         sum(pg_stat_get_blocks_hit(oid)) FILTER (WHERE kind = 'i') AS idx_blks_hit,
         sum(pg_stat_get_blocks_fetched(oid) - pg_stat_get_blocks_hit(oid))
           FILTER (WHERE kind = 't') AS toast_blks_read,
         sum(pg_stat_get_blocks_hit(oid)) FILTER (WHERE kind = 't') AS toast_blks_hit,
         sum(pg_stat_get_blocks_fetched(oid) - pg_stat_get_blocks_hit(oid))
           FILTER (WHERE kind = 'x') AS tidx_blks_read,
         sum(pg_stat_get_blocks_hit(oid)) FILTER (WHERE kind = 'x') AS tidx_blks_hit
  FROM unnest($2::oid[], $3::bigint[], $4::text[]) AS m(oid, position, kind)
  GROUP BY position
)
SELECT e.relid::text AS relid, pg_catalog.pg_table_is_visible(e.relid) IS NULL AS gone,
       pg_stat_get_blocks_fetched(e.relid) - pg_stat_get_blocks_hit(e.relid) AS heap_blks_read,
       pg_stat_get_blocks_hit(e.relid) AS heap_blks_hit,
       coalesce(m.idx_blks_read, 0) AS idx_blks_read, coalesce(m.idx_blks_hit, 0) AS idx_blks_hit,
       coalesce(m.toast_blks_read, 0) AS toast_blks_read,
       coalesce(m.toast_blks_hit, 0) AS toast_blks_hit,
       coalesce(m.tidx_blks_read, 0) AS tidx_blks_read,
       coalesce(m.tidx_blks_hit, 0) AS tidx_blks_hit
FROM unnest($1::oid[]) WITH ORDINALITY AS e(relid, position)
LEFT JOIN members m ON m.position = e.position
ORDER BY e.position)SQL";

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
    auto catalog_reads = counter_family(
        "migration_exporter_statio_user_tables_catalog_reads_total",
        "Runs that looked the exported tables' names, indexes and TOAST relations up in the "
        "catalogs (at a ranking or when the catalogs changed); the other runs read statistics "
        "only");
    auto rankings = counter_family(
        "migration_exporter_statio_user_tables_rankings_total",
        "Rankings that read every table's recorded pages to choose the exported ones; at "
        "rank_interval a ranking whose inputs (the catalogs, VACUUM and ANALYZE counts) did not "
        "move stands instead");
    const auto now = RankedRelations::Clock::now();
    std::vector<prometheus::MetricFamily> families;
    visitor_.visit_all(
        context,
        [&](PgSession& session, const Labels& base) {
          auto& ranked = ranked_.of(session.datname());
          if (ranked.needs_ranking(now)) rank_relations(session, ranking_sql_, scope_, ranked, now);
          auto& identities = ranked.identities();
          const auto signal = read_catalog_signal(session);
          std::size_t rows = 0;
          if (identities.current(signal)) {
            rows = identities.read_statistics(
                session, kStatisticsOnlySql, 4,
                [&](const std::string&, const RelationIdentity& identity, const PgResult& result,
                    int row) {
                  columns.add_row(result, row,
                                  with_labels(base, {{"schemaname", identity.labels[0]},
                                                     {"relname", identity.labels[1]}}));
                });
          } else {
            const auto result = session.query(kStatisticsSql, {ranked.oid_array()});
            identities.begin(signal);
            for (int row = 0; row < result.rows(); ++row) {
              identities.identify(
                  std::string(result.text(row, 0)),
                  {{std::string(result.text(row, 1)), std::string(result.text(row, 2))},
                   std::string(result.text(row, 11))});
              columns.add_row(result, row,
                              with_labels(base, {{"schemaname", result.text(row, 1)},
                                                 {"relname", result.text(row, 2)}}));
            }
            rows = static_cast<std::size_t>(result.rows());
          }
          ranked.saw(rows);
          add_counter(catalog_reads, base, identities.reads());
          add_counter(rankings, base, ranked.rankings());
          add_gauge(dropped, base, ranked.matched() - static_cast<double>(ranked.exported()));
        },
        families);
    columns.move_into(families);
    families.push_back(std::move(dropped));
    families.push_back(std::move(catalog_reads));
    families.push_back(std::move(rankings));
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
