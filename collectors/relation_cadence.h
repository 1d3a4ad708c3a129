// When the tables, indexes and statio_user_tables collectors rank relations (and the first two
// measure sizes) again, and what they keep in between: per database, the exported relations (oids
// in rank order) and their last sizes.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "collectors/relation_identity.h"
#include "collectors/relation_scope.h"
#include "core/collector_options.h"
#include "core/pg_session.h"

namespace mexp {

// Ranking reads every relation of the catalog (tens of thousands at 10,000 tables) and sizing opens
// every file of every exported relation; statistics of the exported relations are a few index
// lookups. So statistics are read every poll, and the other two only at their own, slower cadence.
struct RelationCadence {
  std::chrono::milliseconds rank_interval{std::chrono::minutes(15)};
  std::chrono::milliseconds size_interval{std::chrono::minutes(5)};
};

// Reads rank_interval and size_interval (size_interval 0: sizes every poll).
RelationCadence read_relation_cadence(CollectorOptions& options);
// Reads rank_interval only, for a collector that ranks but measures no sizes.
RelationCadence read_rank_interval(CollectorOptions& options);

class RankedRelations {
 public:
  using Clock = std::chrono::steady_clock;

  explicit RankedRelations(RelationCadence cadence) : cadence_(cadence) {}

  // True when there is no ranking yet, it is older than rank_interval, or a relation it holds has
  // gone (dropped, or a database recreated under the same name).
  bool needs_ranking(Clock::time_point now) const;
  // Keeps a new ranking: the exported oids in rank order, how many relations matched, and what it
  // was computed from (read_ranking_inputs, read just before it).
  void ranked(std::vector<std::string> oids, double matched, Clock::time_point now,
              std::optional<std::string> inputs = std::nullopt);
  // Whether the last ranking still holds: its inputs, trustworthy, have not moved since, and no
  // relation it holds has gone. Then stand(now) keeps it for another rank_interval, with the
  // names, indexes and sizes read for it.
  bool ranking_stands(const std::optional<std::string>& inputs) const {
    return ranked_at_ && !relation_gone_ && inputs && inputs == ranking_inputs_;
  }
  void stand(Clock::time_point now) { ranked_at_ = now; }
  // Rankings run so far (a ranking that stood is not one), for a collector's counter.
  double rankings() const { return rankings_; }
  // The exported oids as a PostgreSQL array literal, for the statistics statement.
  const std::string& oid_array() const { return oid_array_; }
  std::size_t exported() const { return oids_.size(); }
  double matched() const { return matched_; }
  // The statistics statement returned `rows` of the exported relations: fewer means some are gone.
  void saw(std::size_t rows);

  bool needs_sizes(Clock::time_point now) const;
  // Whether sizes kept from earlier measurements may stand for relations not written since: there
  // were measurements since the last ranking, and the catalogs' signal (trustworthy) has not
  // moved since the last one.
  bool sizes_current(const std::optional<std::string>& signal) const;
  // The `writes` figure of each exported relation at its last measurement, in rank order, as a
  // PostgreSQL array literal (NULL for one not measured).
  std::string size_writes_array() const;
  // Starts a measurement at `wall_time`, made with the catalogs' `signal`: it replaces every
  // earlier size unless `keep` (then only those measured again, or forgotten, change).
  void begin_sizes(double wall_time, bool keep = false,
                   std::optional<std::string> signal = std::nullopt);
  // One relation's sizes from this measurement, and the statistics figure they were measured at
  // (`writes`: rows written and vacuums, which move whenever the sizes can have changed).
  void size(const std::string& oid, std::vector<double> values, std::string writes = {});
  // A relation skipped because of a lock: it has no size until measured again.
  void forget_size(const std::string& oid);
  // Ends the measurement; `skipped_locked` relations were left out because of a lock.
  void end_sizes(Clock::time_point now, double skipped_locked) {
    sized_at_ = now;
    skipped_locked_ = skipped_locked;
  }
  double sizes_skipped_locked() const { return skipped_locked_; }
  // Sizes of `oid` from the last measurement, or null when it was not measured.
  const std::vector<double>* sizes_of(const std::string& oid) const;
  // Wall-clock seconds of the last measurement (0 before the first).
  double sizes_measured_at() const { return sizes_wall_time_; }
  // Relations measured so far (calls of size()), for a collector's counter.
  double sizes_measured_total() const { return sizes_measured_total_; }

  // Names and members of the exported relations; forgotten at every ranking.
  RelationIdentities& identities() { return identities_; }

 private:
  RelationCadence cadence_;
  std::vector<std::string> oids_;
  std::string oid_array_ = "{}";
  double matched_ = 0;
  std::optional<Clock::time_point> ranked_at_;
  std::optional<std::string> ranking_inputs_;
  double rankings_ = 0;
  bool relation_gone_ = false;
  std::optional<Clock::time_point> sized_at_;
  double sizes_wall_time_ = 0;
  double skipped_locked_ = 0;
  double sizes_measured_total_ = 0;
  std::map<std::string, std::vector<double>> sizes_;
  std::map<std::string, std::string> size_writes_;
  std::optional<std::string> sized_signal_;
  RelationIdentities identities_;
};

// A ranking by the pages pg_class records reads what changes only with the catalogs (a relation
// created, dropped, renamed or rewritten: rows of pg_class, pg_index, pg_namespace) or when VACUUM
// or ANALYZE record new page counts (in place, writing no row; counted per relation). Those counts
// summed over every table, TOAST table and materialized view of the database, with the catalogs'
// row counts and the statistics' reset time; nullopt when the statistics cannot be trusted
// (track_counts off, a standby).
std::optional<std::string> read_ranking_inputs(PgSession& session);

// Runs a ranking statement (scope parameters $1..$5; rows of oid and the matched count, in rank
// order) and keeps its result in `ranked`, unless the last ranking stands (its inputs have not
// moved since: the same statement would return the same rows).
void rank_relations(PgSession& session, std::string_view ranking_sql, const RelationScope& scope,
                    RankedRelations& ranked, RankedRelations::Clock::time_point now);

// One RankedRelations per database a collector visits, made on first use.
class RankedRelationsByDatabase {
 public:
  explicit RankedRelationsByDatabase(RelationCadence cadence) : cadence_(cadence) {}
  RankedRelations& of(const std::string& datname) {
    return databases_.try_emplace(datname, cadence_).first->second;
  }

 private:
  RelationCadence cadence_;
  std::map<std::string, RankedRelations> databases_;
};

}  // namespace mexp
