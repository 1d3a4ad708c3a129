// The exported relations' names and member relations (indexes, TOAST), kept between polls so that
// a poll whose catalogs did not change reads statistics functions only, and no catalog.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/pg_session.h"

namespace mexp {

// Looking an exported relation's names and indexes up in pg_class, pg_namespace and pg_index cost
// more than reading its statistics (at 300 tables, 1.5 of the tables statement's 2.7 ms and 1.3
// of the indexes statement's 1.5 ms). Names and indexes change only with the catalogs, and the
// statistics system counts every row the catalogs insert, update or delete: while that count
// stands still, the names read last are still the names.
//
// The count is NULL when it cannot be trusted: with track_counts off nothing is counted, and on a
// standby the changes replayed from the primary are not. Counts reach the statistics system when
// the changing session commits and goes idle (at most ~1 s later, 10 s for a session that stays
// busy), so a rename is served under the old name for at most that long; a dropped relation is
// seen at once (pg_table_is_visible is NULL for an oid with no pg_class row).
inline constexpr std::string_view kCatalogSignalSql = R"SQL(
SELECT CASE WHEN current_setting('track_counts')::boolean AND NOT pg_catalog.pg_is_in_recovery()
       THEN (SELECT sum(pg_catalog.pg_stat_get_tuples_inserted(c)
                        + pg_catalog.pg_stat_get_tuples_updated(c)
                        + pg_catalog.pg_stat_get_tuples_deleted(c))
             FROM unnest('{pg_class,pg_index,pg_namespace}'::regclass[]) AS c)::text
       END AS catalog_changes)SQL";

// The signal now (nullopt: not to be trusted).
std::optional<std::string> read_catalog_signal(PgSession& session);

// One exported relation as a catalog read last saw it.
struct RelationIdentity {
  std::vector<std::string> labels;  // schemaname, relname (and indexrelname for an index)
  // Its member relations as "<kind><oid>" joined by commas, e.g. "i16390,i16392,t16387,x16389"
  // (i: index, t: TOAST table, x: TOAST index); empty for none.
  std::string members;
};

class RelationIdentities {
 public:
  // Whether the identities of the last catalog read still hold: one was made since the last
  // ranking and the catalogs' signal, trustworthy, has not moved since.
  bool current(const std::optional<std::string>& signal) const {
    return read_ && signal && signal == signal_;
  }
  // A catalog read starts (`signal` read just before it): every identity is read again.
  void begin(std::optional<std::string> signal);
  // The next relation of the catalog read, in rank order.
  void identify(std::string oid, RelationIdentity identity);
  // A new ranking: the next poll reads the catalogs.
  void forget() { read_ = false; }

  const RelationIdentity* of(const std::string& oid) const;
  // The statistics-only statement's parameters: $1 the identified oids in rank order; $2 their
  // members' oids, $3 the 1-based position in $1 of each member's relation, $4 each member's kind.
  QueryParams statistics_parameters() const;
  // Runs a statistics-only statement (columns: the oid, whether it is gone, the statistics) with
  // the first `parameters` of statistics_parameters(), and hands each relation still there to
  // `row`; returns how many there were.
  using RowHandler = std::function<void(const std::string& oid, const RelationIdentity& identity,
                                        const PgResult& result, int row)>;
  std::size_t read_statistics(PgSession& session, std::string_view sql, std::size_t parameters,
                              const RowHandler& row) const;
  // Catalog reads so far (a counter for the collector's self-metric).
  double reads() const { return reads_; }

 private:
  bool read_ = false;
  std::optional<std::string> signal_;
  std::vector<std::string> order_;
  std::map<std::string, RelationIdentity> identities_;
  double reads_ = 0;
};

}  // namespace mexp
