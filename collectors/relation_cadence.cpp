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

void RankedRelations::ranked(std::vector<std::string> oids, double matched, Clock::time_point now) {
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

void rank_relations(PgSession& session, std::string_view ranking_sql, const RelationScope& scope,
                    RankedRelations& ranked, RankedRelations::Clock::time_point now) {
  const auto result = session.query(ranking_sql, relation_scope_params(scope));
  std::vector<std::string> oids;
  oids.reserve(static_cast<std::size_t>(result.rows()));
  for (int row = 0; row < result.rows(); ++row) oids.emplace_back(result.text(row, 0));
  ranked.ranked(std::move(oids), result.rows() > 0 ? result.number(0, 1) : 0, now);
}

}  // namespace mexp
