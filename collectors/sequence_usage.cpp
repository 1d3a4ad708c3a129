// sequence_usage collector: how much of its range each sequence has used, and of the range of the
// int2/int4 column it feeds (a serial key near 2^31 is an int-to-bigint migration overdue). The
// top N by the larger of the two are exported.
//
// Reading a sequence's value (pg_sequence_last_value) opens the sequence and keeps a lock on it to
// the end of the statement, so reading 10,000 sequences at once would take 10,000 locks and could
// exhaust the lock table. Each poll therefore reads a bounded batch: the next sequences_per_poll
// sequences in oid order (wrapping round) plus the ones currently exported, so that the exported
// values are fresh every poll and every sequence is read again within N / sequences_per_poll
// polls. Sequences with a lock that conflicts with that read (SHARE or stronger, e.g. ALTER
// SEQUENCE) are skipped this poll and keep their last value.
#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "collectors/database_visitor.h"
#include "collectors/lock_safe_query.h"
#include "collectors/relation_scope.h"
#include "core/collector.h"

namespace mexp {
namespace {

// A sequence with its names, for the scope filter; LATERAL ... LIMIT 1 is planned as one index
// lookup per sequence looked at, so a batch costs its own size, not the number of sequences.
constexpr std::string_view kNamedSequences = R"SQL(
    SELECT s.*, n.nspname AS schemaname, c.relname
    FROM pg_catalog.pg_sequence s
    CROSS JOIN LATERAL (SELECT relname, relnamespace FROM pg_catalog.pg_class
                        WHERE oid = s.seqrelid LIMIT 1) c
    CROSS JOIN LATERAL (SELECT nspname FROM pg_catalog.pg_namespace
                        WHERE oid = c.relnamespace LIMIT 1) n)SQL";

// $1..$4 scope patterns (schemaname, relname = sequence), $5 round-robin cursor (an oid), $6
// batch size, $7 oids to read again, $8 last poll's catalog_changes. Rows: one per
// sequence read, and one 'totals' row: oid = the batch's last oid, batch_full, data_type = the
// catalogs' change counter, used_ratio = sequences in scope and column_used_ratio = sequences the
// exporter may not read (both NULL when the catalogs did not change since $8: counting every
// sequence is the expensive part, and only DDL or GRANT changes either count).
const std::string kSql = std::string(R"SQL(
WITH conflicting AS (
  SELECT DISTINCT relation AS oid FROM pg_catalog.pg_locks
  WHERE locktype = 'relation'
    AND mode IN ('ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock')
    AND database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
),
signal AS (
  SELECT CASE WHEN current_setting('track_counts')::boolean
                 AND NOT pg_catalog.pg_is_in_recovery() THEN
           (SELECT sum(pg_catalog.pg_stat_get_tuples_inserted(c)
                       + pg_catalog.pg_stat_get_tuples_updated(c)
                       + pg_catalog.pg_stat_get_tuples_deleted(c))
            FROM unnest('{pg_class,pg_sequence,pg_namespace}'::regclass[]) AS c)::text
         END AS catalog_changes
),
next_batch AS (
  SELECT * FROM ()SQL") + std::string(kNamedSequences) +
                         R"SQL(
    WHERE s.seqrelid > $5::oid) sequence
  WHERE )SQL" + std::string(kRelationScopeFilter) +
                         R"SQL(
  ORDER BY seqrelid LIMIT $6::bigint
),
batch AS (
  SELECT * FROM next_batch
  UNION
  SELECT * FROM ()SQL" + std::string(kNamedSequences) +
                         R"SQL(
    WHERE s.seqrelid = ANY($7::oid[])) again
),
read AS MATERIALIZED (
  SELECT b.*, l.oid IS NOT NULL AS locked,
         pg_catalog.has_sequence_privilege(b.seqrelid, 'SELECT,USAGE') AS readable,
         CASE WHEN l.oid IS NULL AND pg_catalog.has_sequence_privilege(b.seqrelid, 'SELECT,USAGE')
              THEN coalesce(pg_catalog.pg_sequence_last_value(b.seqrelid), b.seqstart) END AS value
  FROM batch b LEFT JOIN conflicting l ON l.oid = b.seqrelid
)
SELECT 'sequence' AS kind, r.seqrelid::bigint AS oid, NULL::boolean AS batch_full, r.schemaname,
       r.relname, pg_catalog.format_type(r.seqtypid, NULL) AS data_type, r.locked, r.readable,
       CASE WHEN r.seqincrement > 0
            THEN (r.value::numeric - r.seqmin) / nullif(r.seqmax::numeric - r.seqmin, 0)
            ELSE (r.seqmax::numeric - r.value) / nullif(r.seqmax::numeric - r.seqmin, 0)
       END::float8 AS used_ratio,
       t.relname AS table_name, a.attname::text AS column_name,
       pg_catalog.format_type(a.atttypid, NULL) AS column_type,
       (CASE WHEN r.seqincrement > 0
             THEN r.value::numeric / CASE a.atttypid WHEN 21 THEN 32767 ELSE 2147483647 END
             ELSE r.value::numeric / CASE a.atttypid WHEN 21 THEN -32768 ELSE -2147483648 END
        END)::float8 AS column_used_ratio
FROM read r
LEFT JOIN pg_catalog.pg_depend d
  ON d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = r.seqrelid
 AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjsubid > 0
 AND d.deptype IN ('a', 'i')
LEFT JOIN pg_catalog.pg_attribute a
  ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid AND a.atttypid IN (21, 23)
LEFT JOIN pg_catalog.pg_class t ON t.oid = a.attrelid
UNION ALL
SELECT 'totals', (SELECT max(seqrelid) FROM next_batch)::bigint,
       (SELECT count(*) FROM next_batch) = $6::bigint, NULL, NULL,
       (SELECT catalog_changes FROM signal), NULL, NULL, counted.in_scope, NULL, NULL, NULL,
       counted.unreadable
FROM (SELECT NULL) one
LEFT JOIN (
  SELECT count(*)::float8 AS in_scope,
         count(*) FILTER (WHERE NOT pg_catalog.has_sequence_privilege(seqrelid, 'SELECT,USAGE'))
           ::float8 AS unreadable
  FROM ()SQL" + std::string(kNamedSequences) +
                         R"SQL() sequence
  WHERE )SQL" + std::string(kRelationScopeFilter) +
                         R"SQL(
    AND ((SELECT catalog_changes FROM signal) IS NULL
         OR (SELECT catalog_changes FROM signal) IS DISTINCT FROM $8::text)
  HAVING (SELECT catalog_changes FROM signal) IS NULL
      OR (SELECT catalog_changes FROM signal) IS DISTINCT FROM $8::text
) counted ON true)SQL";

struct Reading {
  std::string schema, name, data_type;
  double used_ratio = 0;
  std::optional<std::string> table, column, column_type;
  std::optional<double> column_used_ratio;
  double rank() const { return std::max(used_ratio, column_used_ratio.value_or(0)); }
};

// What the collector knows of one database's sequences between polls.
struct DatabaseState {
  std::map<std::int64_t, Reading> readings;    // by sequence oid
  std::int64_t cursor = 0;                     // the batch after this oid is read next
  std::vector<std::int64_t> exported;          // last poll's top N, read again this poll
  std::optional<std::string> catalog_changes;  // when the totals below were counted
  double candidates = 0, unreadable = 0;
};

class SequenceUsageCollector final : public Collector {
 public:
  SequenceUsageCollector(RelationScope scope, std::int64_t per_poll, DatabaseSelection databases)
      : scope_(std::move(scope)),
        per_poll_(per_poll),
        visitor_("sequence_usage", std::move(databases)) {}

  std::vector<prometheus::MetricFamily> collect(CollectContext& context) override {
    auto used = gauge_family(
        "pg_sequence_used_ratio",
        "Fraction of its range (minvalue to maxvalue) the sequence has used: the top max_sequences "
        "sequences by this or pg_sequence_column_used_ratio, whichever is larger");
    auto column_used = gauge_family(
        "pg_sequence_column_used_ratio",
        "Fraction of the range of the smallint or integer column the sequence feeds (serial, "
        "identity) that its values have reached; an integer key near 1 must become bigint");
    auto sequences =
        gauge_family("pg_schema_sequences", "Sequences in scope (include/exclude patterns)");
    auto unreadable = gauge_family(
        "pg_schema_sequences_unreadable",
        "Sequences whose value the exporter may not read (grant SELECT or USAGE on them, or "
        "pg_read_all_data, to the monitoring role): not in pg_sequence_used_ratio");
    auto skipped = gauge_family(
        "migration_exporter_sequence_usage_skipped_locked",
        "Sequences not read in the last poll because a lock that conflicts with reading them "
        "(SHARE or stronger, e.g. ALTER SEQUENCE) was held or awaited; their last value stands");
    auto dropped = gauge_family(
        "migration_exporter_sequence_usage_dropped",
        "Sequences read but not exported in the last poll because of the max_sequences cap");

    std::vector<prometheus::MetricFamily> families;
    visitor_.visit_all(
        context,
        [&](PgSession& session, const Labels& base) {
          auto& state = states_[session.datname()];
          auto params = relation_scope_params(scope_);
          params.pop_back();  // no cap in SQL: max_sequences ranks every sequence read so far
          params.push_back(std::to_string(state.cursor));
          params.push_back(std::to_string(per_poll_));
          params.push_back(pg_text_array(ids_as_text(state.exported)));
          params.push_back(state.catalog_changes);
          const auto result = query_skipping_locked(session, kSql, params);
          const auto totals = absorb(state, result);
          add_gauge(sequences, base, state.candidates);
          add_gauge(unreadable, base, state.unreadable);
          add_gauge(skipped, base, totals.skipped_locked);

          std::vector<std::pair<std::int64_t, const Reading*>> ranked;
          for (const auto& [oid, reading] : state.readings) ranked.emplace_back(oid, &reading);
          const auto cap =
              scope_.limit > 0 ? static_cast<std::size_t>(scope_.limit) : ranked.size();
          const auto top = std::min(cap, ranked.size());
          std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(top),
                            ranked.end(), [](const auto& a, const auto& b) {
                              return a.second->rank() != b.second->rank()
                                         ? a.second->rank() > b.second->rank()
                                         : a.first < b.first;
                            });
          state.exported.clear();
          for (std::size_t i = 0; i < top; ++i) {
            const Reading& reading = *ranked[i].second;
            state.exported.push_back(ranked[i].first);
            const auto labels = with_labels(base, {{"schemaname", reading.schema},
                                                   {"sequencename", reading.name},
                                                   {"data_type", reading.data_type}});
            add_gauge(used, labels, reading.used_ratio);
            if (reading.column_used_ratio) {
              add_gauge(column_used,
                        with_labels(base, {{"schemaname", reading.schema},
                                           {"sequencename", reading.name},
                                           {"relname", *reading.table},
                                           {"attname", *reading.column},
                                           {"column_type", *reading.column_type}}),
                        *reading.column_used_ratio);
            }
          }
          add_gauge(dropped, base, static_cast<double>(ranked.size() - top));
        },
        families);

    for (auto* family : {&used, &column_used, &sequences, &unreadable, &skipped, &dropped})
      families.push_back(std::move(*family));
    return families;
  }

 private:
  struct Totals {
    double skipped_locked = 0;
  };

  static std::vector<std::string> ids_as_text(const std::vector<std::int64_t>& ids) {
    std::vector<std::string> texts;
    for (auto id : ids) texts.push_back(std::to_string(id));
    return texts;
  }

  // Updates the readings from this poll's rows, forgets sequences that are gone (not returned
  // although their oid was in the batch's range, or asked for again), and moves the cursor on.
  static Totals absorb(DatabaseState& state, const PgResult& result) {
    Totals totals;
    std::set<std::int64_t> returned;
    std::optional<std::int64_t> batch_end;  // last oid of a full batch; none: the batch wrapped
    for (int row = 0; row < result.rows(); ++row) {
      if (result.text(row, 0) == "totals") {
        if (!result.is_null(row, 8)) {  // counted again: the catalogs changed
          state.candidates = result.number(row, 8);
          state.unreadable = result.number(row, 12);
          state.catalog_changes = result.optional_text(row, 5);
        }
        if (result.boolean(row, 2)) batch_end = static_cast<std::int64_t>(result.number(row, 1));
        continue;
      }
      const auto oid = static_cast<std::int64_t>(result.number(row, 1));
      returned.insert(oid);
      if (result.boolean(row, 6)) {
        totals.skipped_locked += 1;
        continue;
      }
      if (!result.boolean(row, 7) || result.is_null(row, 8)) {
        state.readings.erase(oid);
        continue;
      }
      Reading reading;
      reading.schema = result.text(row, 3);
      reading.name = result.text(row, 4);
      reading.data_type = result.text(row, 5);
      reading.used_ratio = result.number(row, 8);
      if (!result.is_null(row, 10)) {
        reading.table = std::string(result.text(row, 9));
        reading.column = std::string(result.text(row, 10));
        reading.column_type = std::string(result.text(row, 11));
        reading.column_used_ratio = result.number(row, 12);
      }
      state.readings.insert_or_assign(oid, std::move(reading));
    }
    const auto in_range = [&](std::int64_t oid) {
      return oid > state.cursor && (!batch_end || oid <= *batch_end);
    };
    for (auto it = state.readings.begin(); it != state.readings.end();) {
      const bool asked = std::find(state.exported.begin(), state.exported.end(), it->first) !=
                         state.exported.end();
      const bool gone = !returned.contains(it->first) && (in_range(it->first) || asked);
      it = gone ? state.readings.erase(it) : std::next(it);
    }
    state.cursor = batch_end.value_or(0);
    return totals;
  }

  RelationScope scope_;
  std::int64_t per_poll_;
  DatabaseVisitor visitor_;
  std::map<std::string, DatabaseState> states_;
};

const bool registered = register_collector({
    .name = "sequence_usage",
    .description = "Sequences by fraction of their range, and of their int2/int4 column's range, "
                   "used (top N)",
    .enabled_by_default = true,
    .default_interval = std::chrono::minutes(5),
    .per_database = true,
    .factory = [](CollectorOptions& options) -> std::unique_ptr<Collector> {
      auto scope = read_relation_scope(options, "max_sequences", 20);
      const auto per_poll = options.get_int("sequences_per_poll", 250, 1, 10'000);
      auto databases = read_database_selection(options);
      return std::make_unique<SequenceUsageCollector>(std::move(scope), per_poll,
                                                      std::move(databases));
    },
});

}  // namespace
}  // namespace mexp
