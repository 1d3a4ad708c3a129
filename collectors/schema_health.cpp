// schema_health collector: what migrations leave behind in the catalog. Invalid indexes (a failed
// or cancelled CREATE/REINDEX CONCURRENTLY; not those being built right now), constraints added
// NOT VALID and never validated, tables published for UPDATE/DELETE that have no replica identity,
// and duplicate indexes. A count per kind and database, plus capped _info series naming objects.
//
// Guest manners: per database and poll, one statement over statistics functions, and only when it
// shows a catalog change or an index build, one statement over catalogs only (pg_index, pg_class,
// pg_constraint, pg_publication, pg_stat_progress_create_index); it opens no relation, so no lock
// can make it wait. Index expressions are compared as stored node trees (locations stripped)
// rather than deparsed with pg_get_expr, which opens the table on newer servers.
#include <array>
#include <map>
#include <optional>

#include "collectors/database_visitor.h"
#include "collectors/relation_scope.h"
#include "core/collector.h"

namespace mexp {
namespace {

// Rows: kind, schemaname, relname, object (index or constraint name, publication), detail
// (constraint type, replica identity, the index duplicated), matched (objects of this kind in
// scope). At most $5 rows per kind (0: no cap), in name order.
const std::string kSql = std::string(R"SQL(
WITH progress AS (
  SELECT relid, index_relid FROM pg_catalog.pg_stat_progress_create_index
  WHERE datid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
),
-- pg_index is scanned once, for the few columns both index checks need; the names of the few
-- indexes they find are looked up by oid (LATERAL ... LIMIT 1 is planned as one index lookup each,
-- where a join would hash every index and table of the database).
index_rows AS MATERIALIZED (
  SELECT indexrelid, indrelid, indisvalid, indkey[0] AS first_column, indnatts
  FROM pg_catalog.pg_index
),
-- An index being built (CREATE INDEX [CONCURRENTLY], REINDEX CONCURRENTLY) is invalid until the
-- build ends: skipped while its table has a build in progress.
invalid AS (
  SELECT 'invalid_index' AS kind, x.indexrelid AS index_oid, NULL::oid AS original
  FROM index_rows x
  WHERE NOT x.indisvalid
    AND NOT EXISTS (SELECT 1 FROM progress p
                    WHERE p.relid = x.indrelid OR p.index_relid = x.indexrelid)
),
unvalidated AS (
  SELECT 'unvalidated_constraint', n.nspname, coalesce(t.relname, ty.typname), c.conname,
         c.contype::text
  FROM pg_catalog.pg_constraint c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.connamespace
  LEFT JOIN pg_catalog.pg_class t ON t.oid = c.conrelid
  LEFT JOIN pg_catalog.pg_type ty ON ty.oid = c.contypid
  WHERE NOT c.convalidated
    AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
),
-- UPDATE and DELETE on a published table fail without a replica identity: none set, or the
-- default one (the primary key) on a table without a primary key, or an index that is gone.
unreplicable AS (
  SELECT 'unreplicable_table', n.nspname, c.relname, p.pubname::text,
         CASE c.relreplident WHEN 'n' THEN 'nothing' WHEN 'd' THEN 'default'
                             WHEN 'i' THEN 'index' ELSE c.relreplident::text END
  FROM pg_catalog.pg_publication p
  CROSS JOIN LATERAL pg_catalog.pg_get_publication_tables(p.pubname) g
  JOIN pg_catalog.pg_class c ON c.oid = g.relid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE (p.pubupdate OR p.pubdelete)
    AND (c.relreplident = 'n'
         OR (c.relreplident = 'd' AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index x
                                                  WHERE x.indrelid = c.oid AND x.indisprimary))
         OR (c.relreplident = 'i' AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index x
                                                  WHERE x.indrelid = c.oid AND x.indisreplident)))
),
-- Duplicates: same table, access method, columns, operator classes, collations, orderings
-- (DESC, NULLS FIRST), expressions and predicate. Only indexes sharing their table, first column
-- and column count with another are compared in full (grouping plain integers: casting every
-- indkey to an array costs more).
-- The index kept is the primary key, else a unique one, else the oldest; the others duplicate it.
alike AS (
  SELECT indrelid, first_column, indnatts FROM index_rows WHERE indisvalid
  GROUP BY indrelid, first_column, indnatts HAVING count(*) > 1
),
shaped AS (
  SELECT x.indexrelid, x.indrelid, x.indisprimary, x.indisunique,
         concat_ws(' ', i.relam, x.indkey::text, x.indclass::text, x.indcollation::text,
                   x.indoption::text,
                   regexp_replace(x.indexprs::text, ' :location -?[0-9]+', '', 'g'),
                   'WHERE', regexp_replace(x.indpred::text, ' :location -?[0-9]+', '', 'g'))
           AS shape
  FROM alike a
  JOIN index_rows r USING (indrelid, first_column, indnatts)
  CROSS JOIN LATERAL (SELECT * FROM pg_catalog.pg_index WHERE indexrelid = r.indexrelid LIMIT 1) x
  CROSS JOIN LATERAL (SELECT relam FROM pg_catalog.pg_class WHERE oid = r.indexrelid LIMIT 1) i
  WHERE r.indisvalid
),
ranked_duplicates AS (
  SELECT indexrelid, first_value(indexrelid) OVER w AS original, row_number() OVER w AS position
  FROM shaped
  WINDOW w AS (PARTITION BY indrelid, shape
               ORDER BY indisprimary DESC, indisunique DESC, indexrelid)
),
index_found AS (
  SELECT * FROM invalid
  UNION ALL
  SELECT 'duplicate_index', indexrelid, original FROM ranked_duplicates WHERE position > 1
),
index_named AS (
  SELECT f.kind, n.nspname AS schemaname, t.relname, i.relname AS object,
         o.relname::text AS detail
  FROM index_found f
  CROSS JOIN LATERAL (SELECT relname FROM pg_catalog.pg_class WHERE oid = f.index_oid LIMIT 1) i
  CROSS JOIN LATERAL (SELECT indrelid FROM pg_catalog.pg_index
                      WHERE indexrelid = f.index_oid LIMIT 1) x
  CROSS JOIN LATERAL (SELECT relname, relnamespace FROM pg_catalog.pg_class
                      WHERE oid = x.indrelid LIMIT 1) t
  CROSS JOIN LATERAL (SELECT nspname FROM pg_catalog.pg_namespace
                      WHERE oid = t.relnamespace LIMIT 1) n
  LEFT JOIN LATERAL (SELECT relname FROM pg_catalog.pg_class WHERE oid = f.original LIMIT 1) o
    ON true
  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
),
found AS (
  SELECT * FROM index_named
  UNION ALL SELECT * FROM unvalidated
  UNION ALL SELECT * FROM unreplicable
),
scoped AS (
  SELECT found.*,
         count(*) OVER (PARTITION BY kind) AS matched,
         row_number() OVER (PARTITION BY kind ORDER BY schemaname, relname, object) AS rank
  FROM found
  WHERE )SQL") + std::string(kRelationScopeFilter) +
                         R"SQL(
)
SELECT kind, schemaname, relname, object, detail, matched FROM scoped
WHERE $5::bigint = 0 OR rank <= $5::bigint
ORDER BY kind, rank)SQL";

// What the result above depends on, read cheaply each poll: how many rows the catalogs it reads
// have inserted, updated and deleted (statistics functions: a handful of numbers whatever the
// size of the schema), and whether an index build is running (its end changes what is invalid
// without touching a catalog when it fails). While neither moved, last poll's result stands. A
// standby counts nothing of what it replays, so there every poll reads the catalog.
constexpr std::string_view kSignalSql = R"SQL(
SELECT current_setting('track_counts')::boolean AND NOT pg_catalog.pg_is_in_recovery()
         AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_stat_progress_create_index
                         WHERE datid = (SELECT oid FROM pg_catalog.pg_database
                                        WHERE datname = current_database())) AS reusable,
       (SELECT sum(pg_catalog.pg_stat_get_tuples_inserted(c)
                   + pg_catalog.pg_stat_get_tuples_updated(c)
                   + pg_catalog.pg_stat_get_tuples_deleted(c))
        FROM unnest(ARRAY[to_regclass('pg_catalog.pg_class'), to_regclass('pg_catalog.pg_index'),
                          to_regclass('pg_catalog.pg_constraint'),
                          to_regclass('pg_catalog.pg_namespace'),
                          to_regclass('pg_catalog.pg_publication'),
                          to_regclass('pg_catalog.pg_publication_rel'),
                          to_regclass('pg_catalog.pg_publication_namespace')]) AS c)::text
         AS catalog_changes)SQL";

struct Kind {
  const char* kind;  // the statement's row kind, and the `kind` label of the dropped gauge
  const char* count_name;
  const char* count_help;
  const char* info_name;
  const char* info_help;
  const char* object_label;
  const char* detail_label;  // nullptr: no detail label
};

constexpr std::array kKinds = {
    Kind{"invalid_index", "pg_schema_invalid_indexes",
         "Indexes marked invalid (a failed or cancelled CREATE INDEX CONCURRENTLY or REINDEX "
         "CONCURRENTLY left them): they slow every write and serve no read. Indexes being "
         "built right now are not counted.",
         "pg_schema_invalid_index_info", "An invalid index (one series per index, capped).",
         "indexrelname", nullptr},
    Kind{"unvalidated_constraint", "pg_schema_unvalidated_constraints",
         "Constraints added NOT VALID and not validated since: existing rows are not checked "
         "(run ALTER TABLE ... VALIDATE CONSTRAINT).",
         "pg_schema_unvalidated_constraint_info",
         "A constraint not validated (one series per constraint, capped); relname is the table "
         "or domain, contype c (check), f (foreign key) or n (not null).",
         "conname", "contype"},
    Kind{"unreplicable_table", "pg_schema_unreplicable_tables",
         "Tables published for UPDATE or DELETE (logical replication, CDC) that have no replica "
         "identity: no primary key with REPLICA IDENTITY DEFAULT, or REPLICA IDENTITY NOTHING. "
         "Every UPDATE and DELETE on them fails. Counted once per table and publication.",
         "pg_schema_unreplicable_table_info",
         "A published table without a usable replica identity (one series per table and "
         "publication, capped).",
         "pubname", "replica_identity"},
    Kind{"duplicate_index", "pg_schema_duplicate_indexes",
         "Valid indexes that duplicate another index of the same table (same method, columns, "
         "operator classes, orderings, expressions and predicate): each costs writes and serves no "
         "query the "
         "other does not.",
         "pg_schema_duplicate_index_info",
         "A duplicate index and the index it duplicates (duplicate_of), one series per duplicate, "
         "capped.",
         "indexrelname", "duplicate_of"},
};

class SchemaHealthCollector final : public Collector {
 public:
  SchemaHealthCollector(RelationScope scope, DatabaseSelection databases)
      : scope_(std::move(scope)), visitor_("schema_health", std::move(databases)) {}

  std::vector<prometheus::MetricFamily> collect(CollectContext& context) override {
    std::vector<prometheus::MetricFamily> counts, infos;
    for (const auto& kind : kKinds) {
      counts.push_back(gauge_family(kind.count_name, kind.count_help));
      infos.push_back(gauge_family(kind.info_name, kind.info_help));
    }
    auto dropped = gauge_family(
        "migration_exporter_schema_health_dropped",
        "Objects counted in a pg_schema_* count but left out of its _info family in the last poll "
        "because of the max_objects cap, by kind");
    auto reads = counter_family(
        "migration_exporter_schema_health_reads_total",
        "Polls that read the catalog in full; the others reused the last result because no catalog "
        "it reads had changed and no index build was running");
    const auto params = relation_scope_params(scope_);

    std::vector<prometheus::MetricFamily> families;
    visitor_.visit_all(
        context,
        [&](PgSession& session, const Labels& base) {
          auto& cached = cache_[session.datname()];
          const auto signal = session.query(kSignalSql);
          const bool reusable = signal.boolean(0, 0);
          std::string changes(signal.text(0, 1));
          if (!reusable || !cached.result || changes != cached.catalog_changes) {
            cached.result.emplace(session.query(kSql, params));
            ++cached.reads;
          }
          cached.catalog_changes = reusable ? std::move(changes) : std::string();
          const PgResult& result = *cached.result;
          std::array<double, kKinds.size()> matched{}, exported{};
          for (int row = 0; row < result.rows(); ++row) {
            for (std::size_t k = 0; k < kKinds.size(); ++k) {
              const auto& kind = kKinds[k];
              if (result.text(row, 0) != kind.kind) continue;
              matched[k] = result.number(row, 5);
              exported[k] += 1;
              Labels labels = with_labels(base, {{"schemaname", result.text(row, 1)},
                                                 {"relname", result.text(row, 2)},
                                                 {kind.object_label, result.text(row, 3)}});
              if (kind.detail_label != nullptr)
                labels = with_labels(labels, {{kind.detail_label, result.text(row, 4)}});
              add_gauge(infos[k], std::move(labels), 1);
            }
          }
          add_counter(reads, base, cached.reads);
          for (std::size_t k = 0; k < kKinds.size(); ++k) {
            add_gauge(counts[k], base, matched[k]);
            add_gauge(dropped, with_labels(base, {{"kind", kKinds[k].kind}}),
                      matched[k] - exported[k]);
          }
        },
        families);

    for (auto& family : counts) families.push_back(std::move(family));
    for (auto& family : infos) families.push_back(std::move(family));
    families.push_back(std::move(dropped));
    families.push_back(std::move(reads));
    return families;
  }

 private:
  struct Cached {
    std::optional<PgResult> result;
    std::string catalog_changes;  // empty: the result may not be reused
    double reads = 0;
  };

  RelationScope scope_;
  DatabaseVisitor visitor_;
  std::map<std::string, Cached> cache_;  // by database
};

const bool registered = register_collector({
    .name = "schema_health",
    .description = "What migrations leave behind: invalid indexes, constraints not validated, "
                   "published tables without replica identity, duplicate indexes",
    .enabled_by_default = true,
    .default_interval = std::chrono::milliseconds(0),
    .per_database = true,
    .factory = [](CollectorOptions& options) -> std::unique_ptr<Collector> {
      auto scope = read_relation_scope(options, "max_objects", 20);
      auto databases = read_database_selection(options);
      return std::make_unique<SchemaHealthCollector>(std::move(scope), std::move(databases));
    },
});

}  // namespace
}  // namespace mexp
