// indexes collector: pg_stat_user_indexes scans, tuples read and fetched, and size per index, plus
// the number of never-scanned indexes per table; sizes only for indexes of tables no ACCESS
// EXCLUSIVE lock is on or waiting for, filtered by schema/table patterns, capped to the largest N;
// statistics every poll, sizes every size_interval, the ranking every rank_interval.
#include <map>

#include "collectors/database_visitor.h"
#include "collectors/lock_safe_query.h"
#include "collectors/relation_cadence.h"
#include "collectors/relation_identity.h"
#include "collectors/relation_scope.h"
#include "core/collector.h"

namespace mexp {
namespace {

// Ranking, at rank_interval: the N largest indexes and the tables with never-scanned indexes (the
// N wasting most pages). Ranking uses the pages pg_class records (no lock, no file access).
// scope is pg_stat_user_indexes' own definition (PostgreSQL 15: tables, TOAST tables and
// materialized views outside the system schemas) read from the catalogs directly, with the index's
// pages and uniqueness that the view does not carry: joining the view back to pg_class and
// pg_index cost two index lookups per index, and carrying every index's statistics through the
// ranking made it sort hundreds of bytes per index (~0.4 s at 30,000 indexes). The cap is a
// bounded top-N sort (LIMIT NULL when uncapped).
const std::string kRankingSql = std::string(R"SQL(
WITH scope AS (
  SELECT * FROM (
    SELECT x.indexrelid, x.indrelid AS relid, n.nspname AS schemaname, c.relname,
           i.relname AS indexrelname, i.relpages, x.indisunique
    FROM pg_index x
    JOIN pg_class c ON c.oid = x.indrelid
    JOIN pg_class i ON i.oid = x.indexrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 't', 'm')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
  ) candidate
  WHERE )SQL") + std::string(kRelationScopeFilter) +
                                R"SQL(
),
exported AS (
  SELECT indexrelid, row_number() OVER () AS rank FROM (
    SELECT indexrelid FROM scope
    ORDER BY relpages DESC, schemaname, relname, indexrelname
    LIMIT CASE WHEN $5::bigint = 0 THEN NULL ELSE $5::bigint END
  ) top
),
-- Unique indexes enforce constraints even when no query ever scans them: not counted as unused.
never_scanned AS (
  SELECT schemaname, relname, count(*) AS indexes,
         row_number() OVER (ORDER BY sum(relpages) DESC, schemaname, relname) AS rank
  FROM scope
  WHERE NOT indisunique AND pg_stat_get_numscans(indexrelid) = 0
  GROUP BY schemaname, relname
)
SELECT 'index' AS kind, indexrelid::text, NULL AS schemaname, NULL AS relname, NULL AS indexes,
       (SELECT count(*) FROM scope) AS matched, rank
FROM exported
UNION ALL
SELECT 'never_scanned', NULL, schemaname, relname, indexes, NULL, rank
FROM never_scanned WHERE $5::bigint = 0 OR rank <= $5::bigint
ORDER BY kind, rank)SQL";

// Every poll: statistics of the exported indexes ($1, in rank order), a few index lookups each
// (LIMIT 1 keeps them nested index probes: joined plainly, the planner hashed all of pg_class);
// with $2 also their sizes, except for indexes of tables in exclusive_locked (which also covers a
// lock on the index itself: REINDEX, DROP INDEX). An index dropped since the ranking has no row.
//
// An index grows only when its table is written, and vacuum is what reorganises it (a REINDEX is
// a catalog change): `writes` sums the table's rows inserted, updated and deleted and its vacuums.
// $3 holds each index's `writes` when its size was last measured (NULL: not measured, or the
// catalogs changed since); an index whose table's `writes` is still that is not measured again,
// unless the table is being_written now.
// (A manual brin_summarize_new_values() or gin_clean_pending_list() can change an index without
// a write; the next ranking measures every index again.)
const std::string kStatisticsSql = R"SQL(
WITH exported AS (
  SELECT indexrelid, rank, last_writes
  FROM unnest($1::oid[], $3::bigint[]) WITH ORDINALITY AS e(indexrelid, last_writes, rank)
),)SQL" + std::string(kExclusiveLockedCte) +
                                   "," + std::string(kBeingWrittenCte) + R"SQL(,
measured AS MATERIALIZED (
  SELECT e.rank, e.indexrelid, r.schemaname, r.relname, r.indexrelname,
         l.oid IS NOT NULL AS locked, w.writes,
         pg_stat_get_numscans(e.indexrelid) AS idx_scan,
         pg_stat_get_tuples_returned(e.indexrelid) AS idx_tup_read,
         pg_stat_get_tuples_fetched(e.indexrelid) AS idx_tup_fetch,
         CASE WHEN $2::bool AND l.oid IS NULL
                   AND (e.last_writes IS DISTINCT FROM w.writes OR b.oid IS NOT NULL)
              THEN pg_relation_size(e.indexrelid) END AS size
  FROM exported e
  JOIN LATERAL (
    SELECT n.nspname AS schemaname, c.relname, i.relname AS indexrelname, x.indrelid
    FROM pg_index x
    JOIN pg_class i ON i.oid = x.indexrelid
    JOIN pg_class c ON c.oid = x.indrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE x.indexrelid = e.indexrelid LIMIT 1
  ) r ON true
  CROSS JOIN LATERAL (
    SELECT pg_stat_get_tuples_inserted(r.indrelid) + pg_stat_get_tuples_updated(r.indrelid)
           + pg_stat_get_tuples_deleted(r.indrelid) + pg_stat_get_vacuum_count(r.indrelid)
           + pg_stat_get_autovacuum_count(r.indrelid) AS writes
  ) w
  LEFT JOIN exclusive_locked l ON $2::bool AND l.oid = r.indrelid
  LEFT JOIN being_written b ON $2::bool AND b.oid = r.indrelid
)
SELECT indexrelid::text, schemaname, relname, indexrelname, idx_scan, idx_tup_read, idx_tup_fetch,
       size, count(*) FILTER (WHERE locked) OVER () AS skipped_locked, writes, locked
FROM measured
ORDER BY rank)SQL";

// Every poll while the catalogs' signal stands still (relation_identity.h): the statistics of the
// indexes the last catalog read identified ($1), with no catalog lookup; `gone` is true for an
// index dropped since.
constexpr std::string_view kStatisticsOnlySql = R"SQL(
SELECT indexrelid::text, pg_catalog.pg_table_is_visible(indexrelid) IS NULL AS gone,
       pg_stat_get_numscans(indexrelid) AS idx_scan,
       pg_stat_get_tuples_returned(indexrelid) AS idx_tup_read,
       pg_stat_get_tuples_fetched(indexrelid) AS idx_tup_fetch
FROM unnest($1::oid[]) WITH ORDINALITY AS e(indexrelid, rank)
ORDER BY rank)SQL";

struct NeverScanned {
  std::string schemaname, relname;
  double indexes;
};

class IndexesCollector final : public Collector {
 public:
  IndexesCollector(RelationScope scope, RelationCadence cadence, DatabaseSelection databases)
      : scope_(std::move(scope)), ranked_(cadence), visitor_("indexes", std::move(databases)) {}

  std::vector<prometheus::MetricFamily> collect(CollectContext& context) override {
    // One series per index (or per table with never-scanned indexes) in each of these: handed
    // over in chunks as rows are read.
    std::vector<prometheus::MetricFamily> per_row;
    per_row.push_back(counter_family("pg_stat_user_indexes_idx_scans_total",
                                     "Number of index scans initiated on this index"));
    per_row.push_back(counter_family("pg_stat_user_indexes_idx_tup_reads_total",
                                     "Number of index entries returned by scans on this index"));
    per_row.push_back(
        counter_family("pg_stat_user_indexes_idx_tup_fetches_total",
                       "Number of live table rows fetched by simple index scans using this index"));
    per_row.push_back(gauge_family("pg_stat_user_indexes_size_bytes",
                                   "Disk space used by this index, in bytes (absent while the "
                                   "index or its table is under an ACCESS EXCLUSIVE lock)"));
    per_row.push_back(gauge_family(
        "pg_stat_user_indexes_never_scanned",
        "Non-unique indexes of this table never scanned since statistics were last reset (tables "
        "with at least one)"));
    auto& scans = per_row[0];
    auto& tuples_read = per_row[1];
    auto& tuples_fetched = per_row[2];
    auto& size = per_row[3];
    auto& never_scanned = per_row[4];
    auto skipped = gauge_family(
        "migration_exporter_indexes_skipped_locked",
        "Exported indexes whose sizes were not measured in the last size measurement because an "
        "ACCESS EXCLUSIVE lock was held or awaited on them or their table");
    auto dropped = gauge_family("migration_exporter_indexes_dropped",
                                "Indexes that matched the include/exclude patterns but were not "
                                "exported because of the max_indexes cap (as of the last ranking)");
    auto sized_at = gauge_family(
        "migration_exporter_indexes_sizes_timestamp_seconds",
        "When the index sizes served were measured (Unix time): every size_interval, statistics "
        "every poll, never-scanned indexes every rank_interval; an index whose table was neither "
        "written nor vacuumed since its last measurement keeps its size until the next ranking");
    auto catalog_reads = counter_family(
        "migration_exporter_indexes_catalog_reads_total",
        "Polls that looked the exported indexes' names up in the catalogs (at a ranking, a size "
        "measurement, or when the catalogs changed); the other polls read statistics only");
    auto sizes_measured = counter_family(
        "migration_exporter_indexes_sizes_measured_total",
        "Indexes whose sizes were measured (pg_relation_size); at a size measurement between "
        "rankings an index whose table was neither written nor vacuumed since its last one keeps "
        "its size");
    const auto now = RankedRelations::Clock::now();
    const double wall_now = std::chrono::duration<double>(context.now.time_since_epoch()).count();

    std::vector<prometheus::MetricFamily> families;
    visitor_.visit_all(
        context,
        [&](PgSession& session, const Labels& base) {
          auto& ranked = ranked_.of(session.datname());
          auto& unused = never_scanned_[session.datname()];
          if (ranked.needs_ranking(now)) rank(session, ranked, unused, now);
          const bool measure_sizes = ranked.needs_sizes(now);
          auto& identities = ranked.identities();
          const auto signal = read_catalog_signal(session);
          const auto add_statistics = [&](const Labels& labels, const PgResult& result, int row,
                                          int first) {
            add_counter(scans, labels, result.number(row, first));
            add_counter(tuples_read, labels, result.number(row, first + 1));
            add_counter(tuples_fetched, labels, result.number(row, first + 2));
          };
          std::size_t rows = 0;
          if (!measure_sizes && identities.current(signal)) {
            rows = identities.read_statistics(
                session, kStatisticsOnlySql, 1,
                [&](const std::string& oid, const RelationIdentity& identity,
                    const PgResult& result, int row) {
                  context.emit_when_full(per_row);
                  const auto labels = with_labels(base, {{"schemaname", identity.labels[0]},
                                                         {"relname", identity.labels[1]},
                                                         {"indexrelname", identity.labels[2]}});
                  add_statistics(labels, result, row, 2);
                  if (const auto* bytes = ranked.sizes_of(oid)) {
                    add_gauge(size, labels, (*bytes)[0]);
                  }
                });
          } else {
            // Sizes of indexes whose tables were neither written nor vacuumed since they were
            // measured are kept, unless the catalogs changed since or it is a new ranking.
            const bool keep_sizes = measure_sizes && ranked.sizes_current(signal);
            const auto result =
                query_skipping_locked(session, kStatisticsSql,
                                      {ranked.oid_array(), measure_sizes ? "true" : "false",
                                       keep_sizes ? ranked.size_writes_array() : "{}"});
            identities.begin(signal);
            if (measure_sizes) ranked.begin_sizes(wall_now, keep_sizes, signal);
            for (int row = 0; row < result.rows(); ++row) {
              context.emit_when_full(per_row);
              const std::string oid(result.text(row, 0));
              identities.identify(
                  oid, {{std::string(result.text(row, 1)), std::string(result.text(row, 2)),
                         std::string(result.text(row, 3))},
                        {}});
              const auto labels = with_labels(base, {{"schemaname", result.text(row, 1)},
                                                     {"relname", result.text(row, 2)},
                                                     {"indexrelname", result.text(row, 3)}});
              add_statistics(labels, result, row, 4);
              if (measure_sizes) {
                if (auto bytes = result.optional_number(row, 7)) {
                  ranked.size(oid, {*bytes}, std::string(result.text(row, 9)));
                } else if (result.boolean(row, 10)) {
                  ranked.forget_size(oid);  // locked now: no value is better than an old one
                }
              }
              if (const auto* bytes = ranked.sizes_of(oid)) add_gauge(size, labels, (*bytes)[0]);
            }
            if (measure_sizes) {
              ranked.end_sizes(now, result.rows() > 0 ? result.number(0, 8) : 0);
            }
            rows = static_cast<std::size_t>(result.rows());
          }
          for (const auto& table : unused) {
            context.emit_when_full(per_row);
            add_gauge(
                never_scanned,
                with_labels(base, {{"schemaname", table.schemaname}, {"relname", table.relname}}),
                table.indexes);
          }
          ranked.saw(rows);
          add_counter(catalog_reads, base, identities.reads());
          add_counter(sizes_measured, base, ranked.sizes_measured_total());
          add_gauge(sized_at, base, ranked.sizes_measured_at());
          add_gauge(skipped, base, ranked.sizes_skipped_locked());
          add_gauge(dropped, base, ranked.matched() - static_cast<double>(ranked.exported()));
        },
        families);

    for (auto& family : per_row) families.push_back(std::move(family));
    families.push_back(std::move(sized_at));
    families.push_back(std::move(skipped));
    families.push_back(std::move(dropped));
    families.push_back(std::move(catalog_reads));
    families.push_back(std::move(sizes_measured));
    return families;
  }

 private:
  void rank(PgSession& session, RankedRelations& ranked, std::vector<NeverScanned>& unused,
            RankedRelations::Clock::time_point now) {
    const auto result = session.query(kRankingSql, relation_scope_params(scope_));
    std::vector<std::string> oids;
    double matched = 0;
    unused.clear();
    for (int row = 0; row < result.rows(); ++row) {
      if (result.text(row, 0) == "index") {
        oids.emplace_back(result.text(row, 1));
        matched = result.number(row, 5);
      } else {
        unused.push_back({std::string(result.text(row, 2)), std::string(result.text(row, 3)),
                          result.number(row, 4)});
      }
    }
    ranked.ranked(std::move(oids), matched, now);
  }

  RelationScope scope_;
  RankedRelationsByDatabase ranked_;
  std::map<std::string, std::vector<NeverScanned>> never_scanned_;
  DatabaseVisitor visitor_;
};

const bool registered = register_collector({
    .name = "indexes",
    .description = "pg_stat_user_indexes with index sizes and never-scanned indexes per table",
    .enabled_by_default = true,
    .default_interval = std::chrono::milliseconds(0),
    .per_database = true,
    .factory = [](CollectorOptions& options) -> std::unique_ptr<Collector> {
      auto scope = read_relation_scope(options, "max_indexes", 300);
      auto cadence = read_relation_cadence(options);
      auto databases = read_database_selection(options);
      return std::make_unique<IndexesCollector>(std::move(scope), cadence, std::move(databases));
    },
});

}  // namespace
}  // namespace mexp
