// tables collector: postgres_exporter's pg_stat_user_tables_* families (same names, types and
// labels), with table and index sizes measured only for tables no ACCESS EXCLUSIVE lock is on or
// waiting for, filtered by schema/table patterns and capped to the largest N tables; statistics
// every poll, sizes every size_interval, the ranking every rank_interval.
#include <array>

#include "collectors/database_visitor.h"
#include "collectors/lock_safe_query.h"
#include "collectors/relation_cadence.h"
#include "collectors/relation_identity.h"
#include "collectors/relation_scope.h"
#include "core/collector.h"

namespace mexp {
namespace {

// Ranking: which tables are exported. Candidates come from pg_class (the relations
// pg_stat_user_tables lists), filtered and ranked there: the cap ranks tables by the pages VACUUM
// and ANALYZE record (table, TOAST and indexes), which needs neither a lock nor a file access. It
// reads every relation of the database, so it runs at rank_interval, not every poll.
std::string ranking_sql() {
  return std::string(R"SQL(
WITH index_pages AS (
  SELECT i.indrelid AS oid, sum(c.relpages) AS pages
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
  GROUP BY i.indrelid
),
scope AS (
  SELECT * FROM (
    SELECT c.oid AS relid, n.nspname AS schemaname, c.relname,
           c.relpages::bigint + coalesce(t.relpages, 0) + coalesce(x.pages, 0) AS pages
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_class t ON t.oid = c.reltoastrelid
    LEFT JOIN index_pages x ON x.oid = c.oid
    WHERE c.relkind IN ('r', 't', 'm', 'p')
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

// The statistics columns of both statements below, from relid and its indexes' sums idx_scan and
// idx_fetched: the statistics functions pg_stat_user_tables is defined with (PostgreSQL 13-17).
constexpr std::string_view kStatisticsColumns = R"SQL(
       pg_stat_get_numscans(relid) AS seq_scan, pg_stat_get_tuples_returned(relid) AS seq_tup_read,
       idx_scan, idx_fetched + pg_stat_get_tuples_fetched(relid) AS idx_tup_fetch,
       pg_stat_get_tuples_inserted(relid) AS n_tup_ins,
       pg_stat_get_tuples_updated(relid) AS n_tup_upd,
       pg_stat_get_tuples_deleted(relid) AS n_tup_del,
       pg_stat_get_tuples_hot_updated(relid) AS n_tup_hot_upd,
       pg_stat_get_live_tuples(relid) AS n_live_tup, pg_stat_get_dead_tuples(relid) AS n_dead_tup,
       pg_stat_get_mod_since_analyze(relid) AS n_mod_since_analyze,
       coalesce(extract(epoch FROM pg_stat_get_last_vacuum_time(relid)), 0) AS last_vacuum,
       coalesce(extract(epoch FROM pg_stat_get_last_autovacuum_time(relid)), 0) AS last_autovacuum,
       coalesce(extract(epoch FROM pg_stat_get_last_analyze_time(relid)), 0) AS last_analyze,
       coalesce(extract(epoch FROM pg_stat_get_last_autoanalyze_time(relid)), 0)
         AS last_autoanalyze,
       pg_stat_get_vacuum_count(relid) AS vacuum_count,
       pg_stat_get_autovacuum_count(relid) AS autovacuum_count,
       pg_stat_get_analyze_count(relid) AS analyze_count,
       pg_stat_get_autoanalyze_count(relid) AS autoanalyze_count)SQL";

// Every poll: statistics of the exported tables ($1, in rank order), read with the statistics
// functions pg_stat_user_tables is defined with (PostgreSQL 13-17), by oid: through the view, each
// table cost a grouped join over its indexes (~0.2 ms a table). Names are looked up per table
// (LIMIT 1 keeps the lookup a nested index probe: joined plainly, the planner hashed all of
// pg_class, 14,000 rows at 2,000 tables, to find 300), and kept with the tables' index oids for the
// polls that follow (kStatisticsOnlySql). With $2 also their sizes, except
// for tables in exclusive_locked: the CASE keeps pg_table_size and pg_indexes_size (which take
// AccessShareLock on the table, its indexes and its TOAST relations) away from them. A table
// dropped since the ranking has no row.
//
// A table's size changes only when it is written or vacuumed (or rewritten, a catalog change):
// `writes` sums the statistics that count those (rows inserted, updated and deleted, vacuums of
// the table and of its TOAST table). $3 holds each table's `writes` when its sizes were last
// measured (NULL: not measured, or the catalogs changed since); a table whose `writes` is still
// that is not measured again (~80 µs a table at 300 tables: most of the statement's 25 ms), unless
// it is being_written now.
const std::string kStatisticsSql = R"SQL(
WITH exported AS (
  SELECT relid, rank, last_writes
  FROM unnest($1::oid[], $3::bigint[]) WITH ORDINALITY AS e(relid, last_writes, rank)
),)SQL" + std::string(kExclusiveLockedCte) +
                                   "," + std::string(kBeingWrittenCte) + R"SQL(,
measured AS MATERIALIZED (
  SELECT e.rank, e.relid, r.schemaname, r.relname, l.oid IS NOT NULL AS locked, w.writes,
         CASE WHEN $2::bool AND l.oid IS NULL
                   AND (e.last_writes IS DISTINCT FROM w.writes OR b.oid IS NOT NULL)
              THEN pg_table_size(e.relid) END AS table_size,
         CASE WHEN $2::bool AND l.oid IS NULL
                   AND (e.last_writes IS DISTINCT FROM w.writes OR b.oid IS NOT NULL)
              THEN pg_indexes_size(e.relid) END AS indexes_size,
         x.idx_scan, x.idx_fetched, x.members
  FROM exported e
  JOIN LATERAL (
    SELECT n.nspname AS schemaname, c.relname, c.reltoastrelid
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.oid = e.relid LIMIT 1
  ) r ON true
  CROSS JOIN LATERAL (
    SELECT pg_stat_get_tuples_inserted(e.relid) + pg_stat_get_tuples_updated(e.relid)
           + pg_stat_get_tuples_deleted(e.relid) + pg_stat_get_vacuum_count(e.relid)
           + pg_stat_get_autovacuum_count(e.relid)
           + CASE WHEN r.reltoastrelid <> 0
                  THEN pg_stat_get_vacuum_count(r.reltoastrelid)
                       + pg_stat_get_autovacuum_count(r.reltoastrelid)
                  ELSE 0 END AS writes
  ) w
  CROSS JOIN LATERAL (
    SELECT coalesce(sum(pg_stat_get_numscans(i.indexrelid)), 0) AS idx_scan,
           coalesce(sum(pg_stat_get_tuples_fetched(i.indexrelid)), 0) AS idx_fetched,
           coalesce(string_agg('i' || i.indexrelid::text, ','), '') AS members
    FROM pg_index i WHERE i.indrelid = e.relid
  ) x
  LEFT JOIN exclusive_locked l ON $2::bool AND l.oid = e.relid
  LEFT JOIN being_written b ON $2::bool AND b.oid = e.relid
)
SELECT relid::text, schemaname, relname, )SQL" +
                                   std::string(kStatisticsColumns) + R"SQL(,
       indexes_size, table_size, count(*) FILTER (WHERE locked) OVER () AS skipped_locked,
       members, writes, locked
FROM measured
ORDER BY rank)SQL";

// Every poll while the catalogs' signal stands still (relation_identity.h): the statistics of the
// tables the last catalog read identified ($1) and of their indexes ($2, each belonging to the
// table at position $3 of $1), with no catalog lookup; `gone` is true for a table dropped since.
const std::string kStatisticsOnlySql = R"SQL(
WITH index_sums AS (
  SELECT position, sum(pg_stat_get_numscans(indexrelid)) AS idx_scan,
         sum(pg_stat_get_tuples_fetched(indexrelid)) AS idx_fetched
  FROM unnest($2::oid[], $3::bigint[]) AS m(indexrelid, position)
  GROUP BY position
),
exported AS (
  SELECT e.relid, e.position, coalesce(x.idx_scan, 0) AS idx_scan,
         coalesce(x.idx_fetched, 0) AS idx_fetched
  FROM unnest($1::oid[]) WITH ORDINALITY AS e(relid, position)
  LEFT JOIN index_sums x ON x.position = e.position
)
SELECT relid::text, pg_catalog.pg_table_is_visible(relid) IS NULL AS gone, )SQL" +
                                       std::string(kStatisticsColumns) + R"SQL(
FROM exported
ORDER BY position)SQL";

struct Column {
  const char* column;  // also the metric name after pg_stat_user_tables_
  prometheus::MetricType type;
  const char* help;
};

using prometheus::MetricType;
// postgres_exporter's names, types and help texts.
constexpr std::array kStatColumns = {
    Column{"seq_scan", MetricType::Counter, "Number of sequential scans initiated on this table"},
    Column{"seq_tup_read", MetricType::Counter, "Number of live rows fetched by sequential scans"},
    Column{"idx_scan", MetricType::Counter, "Number of index scans initiated on this table"},
    Column{"idx_tup_fetch", MetricType::Counter, "Number of live rows fetched by index scans"},
    Column{"n_tup_ins", MetricType::Counter, "Number of rows inserted"},
    Column{"n_tup_upd", MetricType::Counter, "Number of rows updated"},
    Column{"n_tup_del", MetricType::Counter, "Number of rows deleted"},
    Column{"n_tup_hot_upd", MetricType::Counter,
           "Number of rows HOT updated (i.e., with no separate index update required)"},
    Column{"n_live_tup", MetricType::Gauge, "Estimated number of live rows"},
    Column{"n_dead_tup", MetricType::Gauge, "Estimated number of dead rows"},
    Column{"n_mod_since_analyze", MetricType::Gauge,
           "Estimated number of rows changed since last analyze"},
    Column{"last_vacuum", MetricType::Gauge,
           "Last time at which this table was manually vacuumed (not counting VACUUM FULL)"},
    Column{"last_autovacuum", MetricType::Gauge,
           "Last time at which this table was vacuumed by the autovacuum daemon"},
    Column{"last_analyze", MetricType::Gauge,
           "Last time at which this table was manually analyzed"},
    Column{"last_autoanalyze", MetricType::Gauge,
           "Last time at which this table was analyzed by the autovacuum daemon"},
    Column{"vacuum_count", MetricType::Counter,
           "Number of times this table has been manually vacuumed (not counting VACUUM FULL)"},
    Column{"autovacuum_count", MetricType::Counter,
           "Number of times this table has been vacuumed by the autovacuum daemon"},
    Column{"analyze_count", MetricType::Counter,
           "Number of times this table has been manually analyzed"},
    Column{"autoanalyze_count", MetricType::Counter,
           "Number of times this table has been analyzed by the autovacuum daemon"},
};

prometheus::MetricFamily family_for(const Column& column) {
  std::string name = std::string("pg_stat_user_tables_") + column.column;
  return column.type == MetricType::Counter ? counter_family(std::move(name), column.help)
                                            : gauge_family(std::move(name), column.help);
}

void add_sample(prometheus::MetricFamily& family, Labels labels, double value) {
  if (family.type == MetricType::Counter) {
    add_counter(family, std::move(labels), value);
  } else {
    add_gauge(family, std::move(labels), value);
  }
}

// Every pg_stat_user_tables_* family: postgres_exporter exports each of them.
std::vector<std::string> postgres_exporter_families() {
  std::vector<std::string> names;
  for (const auto& column : kStatColumns) names.push_back(family_for(column).name);
  names.insert(names.end(),
               {"pg_stat_user_tables_index_size_bytes", "pg_stat_user_tables_table_size_bytes"});
  return names;
}

class TablesCollector final : public Collector {
 public:
  TablesCollector(RelationScope scope, RelationCadence cadence, DatabaseSelection databases)
      : scope_(std::move(scope)),
        ranking_sql_(ranking_sql()),
        ranked_(cadence),
        visitor_("tables", std::move(databases)) {}

  std::vector<prometheus::MetricFamily> collect(CollectContext& context) override {
    // One series per table in each of these: handed over in chunks as rows are read.
    std::vector<prometheus::MetricFamily> per_table;
    for (const auto& column : kStatColumns) per_table.push_back(family_for(column));
    // Sizes are absent (not 0) for a table skipped because of a lock: no value is better than a
    // wrong one.
    per_table.push_back(gauge_family("pg_stat_user_tables_index_size_bytes",
                                     "Total disk space used by this index, in bytes"));
    per_table.push_back(gauge_family("pg_stat_user_tables_table_size_bytes",
                                     "Total disk space used by this table, in bytes"));
    auto& index_size = per_table[kStatColumns.size()];
    auto& table_size = per_table[kStatColumns.size() + 1];
    auto sized_at = gauge_family(
        "migration_exporter_tables_sizes_timestamp_seconds",
        "When the table and index sizes served were measured (Unix time): every size_interval, "
        "statistics every poll; a table neither written nor vacuumed since its last measurement "
        "keeps its sizes until the catalogs change");
    auto skipped = gauge_family(
        "migration_exporter_tables_skipped_locked",
        "Exported tables whose sizes were not measured in the last size measurement because an "
        "ACCESS EXCLUSIVE lock was held or awaited on them, one of their indexes or their TOAST "
        "table");
    auto dropped = gauge_family("migration_exporter_tables_dropped",
                                "Tables that matched the include/exclude patterns but were not "
                                "exported because of the max_tables cap (as of the last ranking)");
    auto catalog_reads = counter_family(
        "migration_exporter_tables_catalog_reads_total",
        "Polls that looked the exported tables' names and indexes up in the catalogs (at a "
        "ranking, a size measurement, or when the catalogs changed); the other polls read "
        "statistics only");
    auto sizes_measured = counter_family(
        "migration_exporter_tables_sizes_measured_total",
        "Tables whose sizes were measured (pg_table_size, pg_indexes_size); at a size measurement "
        "between rankings a table neither written nor vacuumed since its last one keeps its sizes");
    auto rankings = counter_family(
        "migration_exporter_tables_rankings_total",
        "Rankings that read every table's recorded pages to choose the exported ones; at "
        "rank_interval a ranking whose inputs (the catalogs, VACUUM and ANALYZE counts) did not "
        "move stands instead");
    const auto now = RankedRelations::Clock::now();
    const double wall_now = std::chrono::duration<double>(context.now.time_since_epoch()).count();

    std::vector<prometheus::MetricFamily> families;
    visitor_.visit_all(
        context,
        [&](PgSession& session, const Labels& base) {
          auto& ranked = ranked_.of(session.datname());
          if (ranked.needs_ranking(now)) rank_relations(session, ranking_sql_, scope_, ranked, now);
          const bool measure_sizes = ranked.needs_sizes(now);
          auto& identities = ranked.identities();
          const auto signal = read_catalog_signal(session);
          const auto add_table = [&](const Labels& labels, const std::string& oid,
                                     const PgResult& result, int row, int first) {
            context.emit_when_full(per_table);
            for (std::size_t i = 0; i < kStatColumns.size(); ++i) {
              add_sample(per_table[i], labels, result.number(row, static_cast<int>(i) + first));
            }
            if (const auto* sizes = ranked.sizes_of(oid)) {
              add_gauge(index_size, labels, (*sizes)[0]);
              add_gauge(table_size, labels, (*sizes)[1]);
            }
          };
          std::size_t rows = 0;
          if (!measure_sizes && identities.current(signal)) {
            rows = identities.read_statistics(
                session, kStatisticsOnlySql, 3,
                [&](const std::string& oid, const RelationIdentity& identity,
                    const PgResult& result, int row) {
                  add_table(with_labels(base, {{"schemaname", identity.labels[0]},
                                               {"relname", identity.labels[1]}}),
                            oid, result, row, 2);
                });
          } else {
            // Sizes of tables neither written nor vacuumed since they were measured are kept,
            // unless the catalogs changed since (a new index, a rewrite) or it is a new ranking.
            const bool keep_sizes = measure_sizes && ranked.sizes_current(signal);
            const auto result =
                query_skipping_locked(session, kStatisticsSql,
                                      {ranked.oid_array(), measure_sizes ? "true" : "false",
                                       keep_sizes ? ranked.size_writes_array() : "{}"});
            const int first_size = static_cast<int>(kStatColumns.size()) + 3;
            identities.begin(signal);
            if (measure_sizes) ranked.begin_sizes(wall_now, keep_sizes, signal);
            for (int row = 0; row < result.rows(); ++row) {
              const std::string oid(result.text(row, 0));
              identities.identify(
                  oid, {{std::string(result.text(row, 1)), std::string(result.text(row, 2))},
                        std::string(result.text(row, first_size + 3))});
              if (measure_sizes) {
                auto index_bytes = result.optional_number(row, first_size);
                auto table_bytes = result.optional_number(row, first_size + 1);
                if (index_bytes && table_bytes) {
                  ranked.size(oid, {*index_bytes, *table_bytes},
                              std::string(result.text(row, first_size + 4)));
                } else if (result.boolean(row, first_size + 5)) {
                  ranked.forget_size(oid);  // locked now: no value is better than an old one
                }
              }
              add_table(with_labels(base, {{"schemaname", result.text(row, 1)},
                                           {"relname", result.text(row, 2)}}),
                        oid, result, row, 3);
            }
            if (measure_sizes) {
              ranked.end_sizes(now, result.rows() > 0 ? result.number(0, first_size + 2) : 0);
            }
            rows = static_cast<std::size_t>(result.rows());
          }
          ranked.saw(rows);
          add_counter(catalog_reads, base, identities.reads());
          add_counter(rankings, base, ranked.rankings());
          add_counter(sizes_measured, base, ranked.sizes_measured_total());
          add_gauge(sized_at, base, ranked.sizes_measured_at());
          add_gauge(skipped, base, ranked.sizes_skipped_locked());
          add_gauge(dropped, base, ranked.matched() - static_cast<double>(ranked.exported()));
        },
        families);

    for (auto& family : per_table) families.push_back(std::move(family));
    families.push_back(std::move(sized_at));
    families.push_back(std::move(skipped));
    families.push_back(std::move(dropped));
    families.push_back(std::move(catalog_reads));
    families.push_back(std::move(sizes_measured));
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
    .name = "tables",
    .description = "pg_stat_user_tables with table and index sizes, skipping locked tables",
    .enabled_by_default = true,
    .default_interval = std::chrono::milliseconds(0),
    .per_database = true,
    .factory = [](CollectorOptions& options) -> std::unique_ptr<Collector> {
      auto scope = read_relation_scope(options, "max_tables", 300);
      auto cadence = read_relation_cadence(options);
      auto databases = read_database_selection(options);
      return std::make_unique<TablesCollector>(std::move(scope), cadence, std::move(databases));
    },
    .postgres_exporter_families = postgres_exporter_families(),
});

}  // namespace
}  // namespace mexp
