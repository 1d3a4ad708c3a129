// The ranking and sizing cadence of the tables and indexes collectors, and the state kept between.
#include "collectors/relation_cadence.h"

namespace mexp {

RelationCadence read_rank_interval(CollectorOptions& options) {
  RelationCadence cadence;
  cadence.rank_interval = options.get_duration("rank_interval", cadence.rank_interval);
  if (cadence.rank_interval.count() <= 0) {
    options.error("rank_interval", "must be positive (relations are ranked at most this often)");
  }
  return cadence;
}

RelationCadence read_relation_cadence(CollectorOptions& options) {
  RelationCadence cadence = read_rank_interval(options);
  cadence.size_interval = options.get_duration("size_interval", cadence.size_interval);
  return cadence;
}

bool RankedRelations::needs_ranking(Clock::time_point now) const {
  return !ranked_at_ || relation_gone_ || now - *ranked_at_ >= cadence_.rank_interval;
}

void RankedRelations::ranked(std::vector<std::string> oids, double matched, Clock::time_point now,
                             std::optional<std::string> inputs) {
  ranking_inputs_ = std::move(inputs);
  ++rankings_;
  oids_ = std::move(oids);
  // Appended piece by piece: GCC 12 reports a false -Wrestrict for += on a string assigned a
  // literal.
  std::string array(1, '{');
  for (std::size_t i = 0; i < oids_.size(); ++i) {
    if (i > 0) array.push_back(',');
    array.append(oids_[i]);
  }
  array.push_back('}');
  oid_array_ = std::move(array);
  matched_ = matched;
  ranked_at_ = now;
  relation_gone_ = false;
  // Relations new to the ranking have no size yet: measure at once rather than a size_interval on.
  sized_at_.reset();
  identities_.forget();
}

void RankedRelations::saw(std::size_t rows) {
  if (rows < oids_.size()) relation_gone_ = true;
}

bool RankedRelations::needs_sizes(Clock::time_point now) const {
  // Relations skipped because of a lock are measured again at the next poll, not a size_interval
  // later: the sizes come back as soon as the migration has released its lock.
  return !sized_at_ || skipped_locked_ > 0 || now - *sized_at_ >= cadence_.size_interval;
}

bool RankedRelations::sizes_current(const std::optional<std::string>& signal) const {
  return sized_at_ && signal && sized_signal_ == signal;
}

std::string RankedRelations::size_writes_array() const {
  std::string array(1, '{');
  for (std::size_t i = 0; i < oids_.size(); ++i) {
    if (i > 0) array.push_back(',');
    const auto found = size_writes_.find(oids_[i]);
    array.append(found == size_writes_.end() || found->second.empty() ? "NULL" : found->second);
  }
  array.push_back('}');
  return array;
}

void RankedRelations::begin_sizes(double wall_time, bool keep, std::optional<std::string> signal) {
  if (!keep) {
    sizes_.clear();
    size_writes_.clear();
  }
  sized_signal_ = std::move(signal);
  sizes_wall_time_ = wall_time;
}

void RankedRelations::size(const std::string& oid, std::vector<double> values, std::string writes) {
  sizes_[oid] = std::move(values);
  size_writes_[oid] = std::move(writes);
  ++sizes_measured_total_;
}

void RankedRelations::forget_size(const std::string& oid) {
  sizes_.erase(oid);
  size_writes_.erase(oid);
}

const std::vector<double>* RankedRelations::sizes_of(const std::string& oid) const {
  auto found = sizes_.find(oid);
  return found == sizes_.end() ? nullptr : &found->second;
}

std::optional<std::string> read_ranking_inputs(PgSession& session) {
  constexpr std::string_view kInputsSql = R"SQL(
SELECT CASE WHEN current_setting('track_counts')::boolean AND NOT pg_catalog.pg_is_in_recovery()
       THEN concat_ws('/',
         (SELECT sum(pg_catalog.pg_stat_get_tuples_inserted(c)
                     + pg_catalog.pg_stat_get_tuples_updated(c)
                     + pg_catalog.pg_stat_get_tuples_deleted(c))
          FROM unnest('{pg_class,pg_index,pg_namespace}'::regclass[]) AS c),
         (SELECT sum(pg_catalog.pg_stat_get_vacuum_count(oid)
                     + pg_catalog.pg_stat_get_autovacuum_count(oid)
                     + pg_catalog.pg_stat_get_analyze_count(oid)
                     + pg_catalog.pg_stat_get_autoanalyze_count(oid))
          FROM pg_catalog.pg_class WHERE relkind IN ('r', 't', 'm')),
         extract(epoch FROM pg_catalog.pg_stat_get_db_stat_reset_time(
           (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()))))
       END AS inputs)SQL";
  const auto result = session.query(kInputsSql);
  if (result.rows() == 0) return std::nullopt;
  return result.optional_text(0, 0);
}

void rank_relations(PgSession& session, std::string_view ranking_sql, const RelationScope& scope,
                    RankedRelations& ranked, RankedRelations::Clock::time_point now) {
  auto inputs = read_ranking_inputs(session);
  if (ranked.ranking_stands(inputs)) {
    ranked.stand(now);
    return;
  }
  const auto result = session.query(ranking_sql, relation_scope_params(scope));
  std::vector<std::string> oids;
  oids.reserve(static_cast<std::size_t>(result.rows()));
  for (int row = 0; row < result.rows(); ++row) oids.emplace_back(result.text(row, 0));
  ranked.ranked(std::move(oids), result.rows() > 0 ? result.number(0, 1) : 0, now,
                std::move(inputs));
}

}  // namespace mexp
