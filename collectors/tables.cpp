// tables collector: postgres_exporter's pg_stat_user_tables_* families (same names, types and
// labels), with table and index sizes measured only for tables no ACCESS EXCLUSIVE lock is on or
// waiting for, filtered by schema/table patterns and capped to the largest N tables.
#include <array>

#include "collectors/database_visitor.h"
#include "collectors/lock_safe_query.h"
#include "collectors/relation_scope.h"
#include "core/collector.h"

namespace mexp {
namespace {

// One statement per database and poll. Candidates come from pg_class (the relations
// pg_stat_user_tables lists) and are filtered and ranked there: the cap ranks tables by the pages
// VACUUM and ANALYZE record (table, TOAST and indexes), which needs neither a lock nor a file
// access. Statistics and sizes are then read for the exported tables only. The CASE keeps
// pg_table_size and pg_indexes_size (which take AccessShareLock on the table, its indexes and its
// TOAST relations) away from every table in exclusive_locked.
std::string tables_sql(bool capped) {
  // pg_stat_user_tables groups by table, so a join would compute every table's statistics; a
  // LATERAL subquery with LIMIT is planned as one index lookup per exported table instead.
  const std::string statistics = capped ? "CROSS JOIN LATERAL (SELECT * FROM pg_stat_user_tables s "
                                          "WHERE s.relid = e.relid LIMIT 1) s"
                                        : "JOIN pg_stat_user_tables s ON s.relid = e.relid";
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
  SELECT scope.*, count(*) OVER () AS matched,
         row_number() OVER (ORDER BY pages DESC, schemaname, relname) AS rank
  FROM scope
),
exported AS (
  SELECT * FROM ranked WHERE $5::bigint = 0 OR rank <= $5::bigint
),)SQL" + std::string(kExclusiveLockedCte) +
         R"SQL(,
sized AS MATERIALIZED (
  SELECT e.rank, e.matched, s.*, l.oid IS NOT NULL AS locked,
         CASE WHEN l.oid IS NULL THEN pg_table_size(e.relid) END AS table_size,
         CASE WHEN l.oid IS NULL THEN pg_indexes_size(e.relid) END AS indexes_size
  FROM exported e
  )SQL" + statistics +
         R"SQL(
  LEFT JOIN exclusive_locked l ON l.oid = e.relid
)
SELECT schemaname, relname,
       seq_scan, seq_tup_read, coalesce(idx_scan, 0) AS idx_scan,
       coalesce(idx_tup_fetch, 0) AS idx_tup_fetch,
       n_tup_ins, n_tup_upd, n_tup_del, n_tup_hot_upd, n_live_tup, n_dead_tup, n_mod_since_analyze,
       coalesce(extract(epoch FROM last_vacuum), 0) AS last_vacuum,
       coalesce(extract(epoch FROM last_autovacuum), 0) AS last_autovacuum,
       coalesce(extract(epoch FROM last_analyze), 0) AS last_analyze,
       coalesce(extract(epoch FROM last_autoanalyze), 0) AS last_autoanalyze,
       vacuum_count, autovacuum_count, analyze_count, autoanalyze_count,
       indexes_size, table_size, matched, count(*) FILTER (WHERE locked) OVER () AS skipped_locked
FROM sized
ORDER BY rank)SQL";
}

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
  TablesCollector(RelationScope scope, DatabaseSelection databases)
      : scope_(std::move(scope)),
        sql_(tables_sql(scope_.limit > 0)),
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
    auto skipped = gauge_family(
        "migration_exporter_tables_skipped_locked",
        "Exported tables whose sizes were not measured in the last poll because an ACCESS "
        "EXCLUSIVE lock was held or awaited on them, one of their indexes or their TOAST table");
    auto dropped = gauge_family("migration_exporter_tables_dropped",
                                "Tables that matched the include/exclude patterns but were not "
                                "exported in the last poll because of the max_tables cap");
    const auto params = relation_scope_params(scope_);

    std::vector<prometheus::MetricFamily> families;
    visitor_.visit_all(
        context,
        [&](PgSession& session, const Labels& base) {
          const auto result = query_skipping_locked(session, sql_, params);
          double matched = 0, skipped_locked = 0;
          for (int row = 0; row < result.rows(); ++row) {
            context.emit_when_full(per_table);
            const auto labels = with_labels(
                base, {{"schemaname", result.text(row, 0)}, {"relname", result.text(row, 1)}});
            for (std::size_t i = 0; i < kStatColumns.size(); ++i) {
              add_sample(per_table[i], labels, result.number(row, static_cast<int>(i) + 2));
            }
            const int first = static_cast<int>(kStatColumns.size()) + 2;
            if (auto size = result.optional_number(row, first))
              add_gauge(index_size, labels, *size);
            if (auto size = result.optional_number(row, first + 1))
              add_gauge(table_size, labels, *size);
            matched = result.number(row, first + 2);
            skipped_locked = result.number(row, first + 3);
          }
          add_gauge(skipped, base, skipped_locked);
          add_gauge(dropped, base, matched - result.rows());
        },
        families);

    for (auto& family : per_table) families.push_back(std::move(family));
    families.push_back(std::move(skipped));
    families.push_back(std::move(dropped));
    return families;
  }

 private:
  RelationScope scope_;
  std::string sql_;
  DatabaseVisitor visitor_;
};

const bool registered = register_collector({
    .name = "tables",
    .description = "pg_stat_user_tables with table and index sizes, skipping locked tables",
    .enabled_by_default = true,
    .default_interval = std::chrono::milliseconds(0),
    .factory = [](CollectorOptions& options) -> std::unique_ptr<Collector> {
      auto scope = read_relation_scope(options, "max_tables", 300);
      auto databases = read_database_selection(options);
      return std::make_unique<TablesCollector>(std::move(scope), std::move(databases));
    },
    .postgres_exporter_families = postgres_exporter_families(),
});

}  // namespace
}  // namespace mexp
