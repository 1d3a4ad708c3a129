// indexes collector: pg_stat_user_indexes scans, tuples read and fetched, and size per index, plus
// the number of never-scanned indexes per table; sizes only for indexes of tables no ACCESS
// EXCLUSIVE lock is on or waiting for, filtered by schema/table patterns, capped to the largest N.
#include "collectors/database_visitor.h"
#include "collectors/lock_safe_query.h"
#include "collectors/relation_scope.h"
#include "core/collector.h"

namespace mexp {
namespace {

// One statement per database and poll, returning two kinds of rows: 'index' rows (the N largest
// indexes) and 'never_scanned' rows (tables with never-scanned indexes, the N wasting most pages).
// Ranking uses the pages pg_class records (no lock, no file access), so only exported indexes are
// measured. An index is skipped when its table is in exclusive_locked, which also covers a lock on
// the index itself (REINDEX, DROP INDEX).
// scope is pg_stat_user_indexes' own definition (PostgreSQL 15: tables, TOAST tables and
// materialized views outside the system schemas) read from the catalogs directly, with the index's
// pages and uniqueness that the view does not carry: joining the view back to pg_class and
// pg_index cost two index lookups per index, and carrying every index's statistics through the
// ranking made it sort hundreds of bytes per index (~0.4 s at 30,000 indexes). Statistics are read
// for exported indexes only, and the cap is a bounded top-N sort (LIMIT NULL when uncapped).
const std::string kSql = std::string(R"SQL(
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
  SELECT * FROM scope
  ORDER BY relpages DESC, schemaname, relname, indexrelname
  LIMIT CASE WHEN $5::bigint = 0 THEN NULL ELSE $5::bigint END
),)SQL" + std::string(kExclusiveLockedCte) +
                         R"SQL(,
sized AS MATERIALIZED (
  SELECT e.*, l.oid IS NOT NULL AS locked,
         pg_stat_get_numscans(e.indexrelid) AS idx_scan,
         pg_stat_get_tuples_returned(e.indexrelid) AS idx_tup_read,
         pg_stat_get_tuples_fetched(e.indexrelid) AS idx_tup_fetch,
         CASE WHEN l.oid IS NULL THEN pg_relation_size(e.indexrelid) END AS size
  FROM exported e LEFT JOIN exclusive_locked l ON l.oid = e.relid
),
-- Unique indexes enforce constraints even when no query ever scans them: not counted as unused.
never_scanned AS (
  SELECT schemaname, relname, count(*) AS indexes,
         row_number() OVER (ORDER BY sum(relpages) DESC, schemaname, relname) AS rank
  FROM scope
  WHERE NOT indisunique AND pg_stat_get_numscans(indexrelid) = 0
  GROUP BY schemaname, relname
)
SELECT 'index' AS kind, schemaname, relname, indexrelname, idx_scan, idx_tup_read, idx_tup_fetch,
       size, (SELECT count(*) FROM scope) AS matched,
       count(*) FILTER (WHERE locked) OVER () AS skipped_locked
FROM sized
UNION ALL
SELECT 'never_scanned', schemaname, relname, NULL, indexes, NULL, NULL, NULL, NULL, NULL
FROM never_scanned WHERE $5::bigint = 0 OR rank <= $5::bigint)SQL";

class IndexesCollector final : public Collector {
 public:
  IndexesCollector(RelationScope scope, DatabaseSelection databases)
      : scope_(std::move(scope)), visitor_("indexes", std::move(databases)) {}

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
        "Exported indexes whose sizes were not measured in the last poll because an ACCESS "
        "EXCLUSIVE lock was held or awaited on them or their table");
    auto dropped = gauge_family("migration_exporter_indexes_dropped",
                                "Indexes that matched the include/exclude patterns but were not "
                                "exported in the last poll because of the max_indexes cap");
    const auto params = relation_scope_params(scope_);

    std::vector<prometheus::MetricFamily> families;
    visitor_.visit_all(
        context,
        [&](PgSession& session, const Labels& base) {
          const auto result = query_skipping_locked(session, kSql, params);
          double matched = 0, exported = 0, skipped_locked = 0;
          for (int row = 0; row < result.rows(); ++row) {
            context.emit_when_full(per_row);
            if (result.text(row, 0) == "never_scanned") {
              add_gauge(never_scanned,
                        with_labels(base, {{"schemaname", result.text(row, 1)},
                                           {"relname", result.text(row, 2)}}),
                        result.number(row, 4));
              continue;
            }
            const auto labels = with_labels(base, {{"schemaname", result.text(row, 1)},
                                                   {"relname", result.text(row, 2)},
                                                   {"indexrelname", result.text(row, 3)}});
            add_counter(scans, labels, result.number(row, 4));
            add_counter(tuples_read, labels, result.number(row, 5));
            add_counter(tuples_fetched, labels, result.number(row, 6));
            if (auto bytes = result.optional_number(row, 7)) add_gauge(size, labels, *bytes);
            matched = result.number(row, 8);
            skipped_locked = result.number(row, 9);
            ++exported;
          }
          add_gauge(skipped, base, skipped_locked);
          add_gauge(dropped, base, matched - exported);
        },
        families);

    for (auto& family : per_row) families.push_back(std::move(family));
    families.push_back(std::move(skipped));
    families.push_back(std::move(dropped));
    return families;
  }

 private:
  RelationScope scope_;
  DatabaseVisitor visitor_;
};

const bool registered = register_collector({
    .name = "indexes",
    .description = "pg_stat_user_indexes with index sizes and never-scanned indexes per table",
    .enabled_by_default = true,
    .default_interval = std::chrono::milliseconds(0),
    .factory = [](CollectorOptions& options) -> std::unique_ptr<Collector> {
      auto scope = read_relation_scope(options, "max_indexes", 300);
      auto databases = read_database_selection(options);
      return std::make_unique<IndexesCollector>(std::move(scope), std::move(databases));
    },
});

}  // namespace
}  // namespace mexp
