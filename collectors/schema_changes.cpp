// schema_changes collector: schema changes made outside the migration tools. Each poll reads a
// cheap change signal (how many rows the catalogs holding the schema have inserted, updated or
// deleted, from the statistics system: a handful of numbers whatever the size of the schema).
// Only when it moved is the schema fingerprinted: per schema and kind of object, an
// order-independent sum of a hash of each object's definition (storage, statistics and privileges
// left out, so TRUNCATE, VACUUM FULL, REINDEX and GRANT are not changes). A fingerprint that
// differs from the last one is a change.
//
// A change is the migration tools' own when, at the poll that sees it or the next one, a history
// table of this database has changed (its insert/update/delete counters moved) or a backend holds
// a migration tool's lock. Otherwise it is counted as unmanaged. Waiting one poll covers a tool
// whose history row lands after its DDL (Sqitch logs in a second transaction) and statistics that
// reach the server up to a second after the commit.
//
// Guest manners: catalogs and statistics functions only; no relation is opened.
#include <map>
#include <optional>
#include <set>

#include "collectors/history_statement.h"
#include "collectors/history_tools.h"
#include "collectors/migration_lock_holders.h"
#include "collectors/relation_scope.h"
#include "core/collector.h"

namespace mexp {
namespace {

// Every catalog a definition below is read from.
constexpr std::string_view kSignalSql = R"SQL(
SELECT 'catalogs' AS kind, NULL::text AS schema, NULL::text AS name, NULL::text AS columns,
       NULL::text AS companions,
       sum(pg_catalog.pg_stat_get_tuples_inserted(c) + pg_catalog.pg_stat_get_tuples_updated(c)
           + pg_catalog.pg_stat_get_tuples_deleted(c))::float8 AS changes,
       -- A standby counts nothing of what it replays: there, every poll fingerprints.
       current_setting('track_counts')::boolean AND NOT pg_catalog.pg_is_in_recovery() AS counted
FROM unnest('{pg_namespace,pg_class,pg_attribute,pg_attrdef,pg_constraint,pg_index,pg_rewrite,
              pg_sequence,pg_proc,pg_trigger,pg_type,pg_enum}'::regclass[]) AS c
UNION ALL
SELECT 'history', n.nspname, c.relname,
       (SELECT string_agg(a.attname || ' ' || pg_catalog.format_type(a.atttypid, NULL), chr(31))
        FROM pg_catalog.pg_attribute a
        WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
       (SELECT string_agg(s.relname, chr(31)) FROM pg_catalog.pg_class s
        WHERE s.relnamespace = c.relnamespace AND s.relname = ANY($2::text[])),
       (pg_catalog.pg_stat_get_tuples_inserted(c.oid) + pg_catalog.pg_stat_get_tuples_updated(c.oid)
        + pg_catalog.pg_stat_get_tuples_deleted(c.oid))::float8,
       NULL
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relname = ANY($1::text[]) AND c.relkind IN ('r', 'p')
  AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_')SQL";

// $1 include_schemas, $2 exclude_schemas. Rows: schema, kind, objects, sum of their hashes.
// Oids of tables stand for them inside other objects' hashes (stable across renames and
// rewrites); names identify the objects themselves.
constexpr std::string_view kFingerprintSql = R"SQL(
WITH schemas AS (
  SELECT oid, nspname FROM pg_catalog.pg_namespace
  WHERE nspname NOT IN ('pg_catalog', 'information_schema')
    AND nspname !~ '^pg_(toast|temp_|toast_temp_)'
    AND ($1::text IS NULL OR nspname ~ $1) AND ($2::text IS NULL OR nspname !~ $2)
),
definition AS (
  SELECT oid AS ns, 'schema' AS kind, hashtext(nspname) AS h FROM schemas
  UNION ALL
  SELECT relnamespace,
         CASE WHEN relkind IN ('v', 'm') THEN 'view' WHEN relkind = 'S' THEN 'sequence'
              WHEN relkind = 'c' THEN 'type' ELSE 'table' END,
         hashtext(concat_ws(' ', relname, relkind, relpersistence, relreplident, relrowsecurity,
                            relforcerowsecurity, relispartition, reloptions, relpartbound))
  FROM pg_catalog.pg_class WHERE relkind IN ('r', 'p', 'f', 'v', 'm', 'S', 'c')
  UNION ALL
  SELECT c.relnamespace, 'column',
         hashtext(concat_ws(' ', a.attrelid, a.attnum, a.attname, a.atttypid, a.atttypmod,
                            a.attnotnull, a.attisdropped, a.attidentity, a.attgenerated,
                            a.attcollation))
  FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
  WHERE a.attnum > 0 AND c.relkind IN ('r', 'p', 'f', 'v', 'm', 'c')
  UNION ALL
  SELECT c.relnamespace, 'column', hashtext(concat_ws(' ', d.adrelid, d.adnum, d.adbin))
  FROM pg_catalog.pg_attrdef d JOIN pg_catalog.pg_class c ON c.oid = d.adrelid
  UNION ALL
  SELECT connamespace, 'constraint',
         hashtext(concat_ws(' ', conname, contype, condeferrable, condeferred, convalidated,
                            conrelid, contypid, confrelid, confupdtype, confdeltype, confmatchtype,
                            conkey, confkey, conbin))
  FROM pg_catalog.pg_constraint
  UNION ALL
  SELECT c.relnamespace, 'index',
         hashtext(concat_ws(' ', c.relname, x.indrelid, x.indkey, x.indclass, x.indisunique,
                            x.indexprs, x.indpred, c.relam, c.reloptions))
  FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class c ON c.oid = x.indexrelid
  UNION ALL
  SELECT c.relnamespace, 'view', hashtext(concat_ws(' ', r.ev_class, r.rulename, r.ev_action))
  FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_class c ON c.oid = r.ev_class
  UNION ALL
  SELECT c.relnamespace, 'sequence',
         hashtext(concat_ws(' ', s.seqrelid, s.seqtypid, s.seqincrement, s.seqmin, s.seqmax,
                            s.seqcache, s.seqcycle))
  FROM pg_catalog.pg_sequence s JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid
  UNION ALL
  SELECT pronamespace, 'function',
         hashtext(concat_ws(' ', proname, prokind, proargtypes, prorettype, prosrc, probin,
                            provolatile, prosecdef, proconfig))
  FROM pg_catalog.pg_proc
  UNION ALL
  SELECT c.relnamespace, 'trigger',
         hashtext(concat_ws(' ', t.tgrelid, t.tgname, t.tgfoid, t.tgtype, t.tgenabled, t.tgqual))
  FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
  WHERE NOT t.tgisinternal
  UNION ALL
  SELECT typnamespace, 'type',
         hashtext(concat_ws(' ', typname, typtype, typbasetype, typtypmod, typnotnull,
                            typdefaultbin))
  FROM pg_catalog.pg_type WHERE typtype IN ('d', 'e', 'r', 'm')
  UNION ALL
  SELECT t.typnamespace, 'type', hashtext(concat_ws(' ', e.enumtypid, e.enumlabel,
                                                    e.enumsortorder))
  FROM pg_catalog.pg_enum e JOIN pg_catalog.pg_type t ON t.oid = e.enumtypid
)
-- Grouped by oid before names are joined: hashing 100,000s of rows beats sorting them by name.
SELECT s.nspname, g.kind, g.fingerprint
FROM (SELECT ns, kind, count(*)::text || ':' || sum(h::bigint)::text AS fingerprint
      FROM definition WHERE ns IN (SELECT oid FROM schemas) GROUP BY ns, kind) g
JOIN schemas s ON s.oid = g.ns)SQL";

using Fingerprints = std::map<std::pair<std::string, std::string>, std::string>;  // schema, kind
using Changed = std::map<std::string, std::set<std::string>>;                     // schema -> kinds

struct Options {
  std::optional<std::string> include_schemas, exclude_schemas;
  std::int64_t max_reported = 10;
};

class SchemaChangesCollector final : public Collector {
 public:
  explicit SchemaChangesCollector(Options options) : options_(std::move(options)) {
    std::vector<std::string> names, companions;
    for (const auto& tool : history_tools()) {
      names.insert(names.end(), tool.table_names.begin(), tool.table_names.end());
      companions.insert(companions.end(), tool.companion_tables.begin(),
                        tool.companion_tables.end());
    }
    history_names_ = pg_text_array(names);
    companion_names_ = pg_text_array(companions);
  }

  std::vector<prometheus::MetricFamily> collect(CollectContext& context) override {
    auto& session = context.session;
    const auto signal = session.query(kSignalSql, {history_names_, companion_names_});
    double catalog_changes = 0;
    bool counted = true;
    std::string history;  // "schema.table=changes;" for every history table found
    for (int row = 0; row < signal.rows(); ++row) {
      if (signal.text(row, 0) == "catalogs") {
        catalog_changes = signal.number(row, 5);
        counted = signal.boolean(row, 6);
        continue;
      }
      const std::string table(signal.text(row, 2));
      if (match_history_tool(table, split_units(signal.text(row, 3)),
                             split_units(signal.text(row, 4))) == nullptr)
        continue;
      history += std::string(signal.text(row, 1)) + "." + table + "=" +
                 std::string(signal.text(row, 5)) + ";";
    }
    const bool migration_locked = !migration_lock_holders(session).empty();
    const bool evidence = migration_locked || (polled_ && history != last_history_);
    last_history_ = history;

    Changed changed;
    // Without statistics (track_counts off) nothing tells a change apart: fingerprint every poll.
    if (!polled_ || !counted || catalog_changes != last_catalog_changes_) {
      auto fingerprints = fingerprint(session);
      ++fingerprint_runs_;
      if (polled_) changed = differences(last_fingerprints_, fingerprints);
      last_fingerprints_ = std::move(fingerprints);
      last_catalog_changes_ = catalog_changes;
    }
    polled_ = true;

    const double now = std::chrono::duration<double>(context.now.time_since_epoch()).count();
    if (pending_) {
      account(*pending_, evidence, pending_time_);
      pending_.reset();
    }
    if (!changed.empty()) {
      if (evidence) {
        account(changed, true, now);
      } else {
        pending_ = std::move(changed);
        pending_time_ = now;
      }
    }
    return families(context);
  }

 private:
  Fingerprints fingerprint(PgSession& session) const {
    const auto result =
        session.query(kFingerprintSql, {options_.include_schemas, options_.exclude_schemas});
    Fingerprints fingerprints;
    for (int row = 0; row < result.rows(); ++row) {
      fingerprints.emplace(
          std::pair{std::string(result.text(row, 0)), std::string(result.text(row, 1))},
          std::string(result.text(row, 2)));
    }
    return fingerprints;
  }

  static Changed differences(const Fingerprints& before, const Fingerprints& after) {
    Changed changed;
    for (const auto& [key, value] : after) {
      const auto found = before.find(key);
      if (found == before.end() || found->second != value) changed[key.first].insert(key.second);
    }
    for (const auto& [key, value] : before) {
      if (!after.contains(key)) changed[key.first].insert(key.second);
    }
    return changed;
  }

  // One change per schema that changed between two polls.
  void account(const Changed& changed, bool managed, double when) {
    if (managed) {
      managed_changes_ += static_cast<double>(changed.size());
      return;
    }
    unmanaged_changes_ += static_cast<double>(changed.size());
    last_unmanaged_ = when;
    for (const auto& [schema, kinds] : changed) {
      for (const auto& kind : kinds) recent_[{schema, kind}] = when;
    }
    // Bounded: the most recent (schema, kind) pairs are kept.
    while (options_.max_reported > 0 &&
           recent_.size() > static_cast<std::size_t>(options_.max_reported)) {
      auto oldest = recent_.begin();
      for (auto it = recent_.begin(); it != recent_.end(); ++it) {
        if (it->second < oldest->second) oldest = it;
      }
      recent_.erase(oldest);
      ++dropped_;
    }
  }

  std::vector<prometheus::MetricFamily> families(const CollectContext& context) const {
    const auto& base = context.base_labels;
    auto unmanaged = counter_family(
        "pg_schema_unmanaged_changes_total",
        "Schema changes made outside the migration tools: schemas whose definitions changed "
        "between two polls while no history table changed and no migration tool's lock was held");
    auto managed = counter_family(
        "pg_schema_managed_changes_total",
        "Schema changes the migration tools made (a history table changed or a tool's lock was "
        "held), one per schema changed between two polls");
    auto last = gauge_family(
        "pg_schema_unmanaged_change_last_timestamp_seconds",
        "When the exporter saw the last schema change made outside the migration tools (0: none "
        "since it started)");
    auto recent = gauge_family(
        "pg_schema_unmanaged_change_timestamp_seconds",
        "When the exporter last saw this kind of object (table, column, constraint, index, view, "
        "sequence, function, trigger, type, schema) change in this schema outside the migration "
        "tools; the most recent max_changes_reported pairs");
    auto runs = counter_family("migration_exporter_schema_changes_fingerprints_total",
                               "How many polls fingerprinted the schema (only those where the "
                               "catalogs' statistics moved)");
    auto dropped = gauge_family(
        "migration_exporter_schema_changes_dropped",
        "(schema, kind) pairs left out of pg_schema_unmanaged_change_timestamp_seconds since the "
        "exporter started because of the max_changes_reported cap");
    add_counter(unmanaged, base, unmanaged_changes_);
    add_counter(managed, base, managed_changes_);
    add_gauge(last, base, last_unmanaged_);
    for (const auto& [key, when] : recent_)
      add_gauge(recent, with_labels(base, {{"schemaname", key.first}, {"kind", key.second}}), when);
    add_counter(runs, base, fingerprint_runs_);
    add_gauge(dropped, base, dropped_);
    std::vector<prometheus::MetricFamily> result;
    for (auto* family : {&unmanaged, &managed, &last, &recent, &runs, &dropped})
      result.push_back(std::move(*family));
    return result;
  }

  Options options_;
  std::string history_names_, companion_names_;
  bool polled_ = false;
  double last_catalog_changes_ = 0;
  std::string last_history_;
  Fingerprints last_fingerprints_;
  std::optional<Changed> pending_;  // seen last poll without evidence: decided this poll
  double pending_time_ = 0;
  double unmanaged_changes_ = 0, managed_changes_ = 0, last_unmanaged_ = 0, dropped_ = 0;
  double fingerprint_runs_ = 0;
  std::map<std::pair<std::string, std::string>, double> recent_;
};

const bool registered = register_collector({
    .name = "schema_changes",
    .description = "Schema changes made outside the migration tools (no history change, no tool "
                   "lock): a counter, when, and which schemas and kinds of object",
    .enabled_by_default = true,
    .default_interval = std::chrono::milliseconds(0),
    .per_database = true,
    .factory = [](CollectorOptions& options) -> std::unique_ptr<Collector> {
      Options parsed;
      parsed.include_schemas = read_name_patterns(options, "include_schemas");
      parsed.exclude_schemas = read_name_patterns(options, "exclude_schemas");
      parsed.max_reported = options.get_int("max_changes_reported", 10, 0, 1000);
      return std::make_unique<SchemaChangesCollector>(std::move(parsed));
    },
});

}  // namespace
}  // namespace mexp
