// Which migration-history tables the history collector reads: found in the catalogs, kept between
// polls while the catalogs stand still, with their ACCESS EXCLUSIVE locks checked every poll.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "collectors/history_tools.h"
#include "core/pg_session.h"

namespace mexp {

// A table named in the config (`tables = [...]`).
struct ExplicitTable {
  std::string tool, schema, table;
};

struct WatchedTable {
  const HistoryTool* tool;
  std::string schema, table;
  bool readable = false;
  bool found = false;
  bool has_row_versions = true;  // a table (xmin to fingerprint), not a view or foreign table
  // An ACCESS EXCLUSIVE lock is held or awaited on it (or, for a view, on a relation it reads):
  // the statement would queue behind it, so it is not run this poll.
  bool exclusive_locked = false;
  std::vector<std::string> missing_columns;  // a configured table that is not this tool's shape
  std::string oid;                           // empty when not found
};

struct HistoryLookup {
  bool auto_detect = true;
  std::vector<std::string> schemas;  // empty: every non-system schema
  std::vector<ExplicitTable> tables;
};

// Looking the tables up (every tool's table names, their columns, privileges and companion tables)
// was 0.5 ms of every poll at 2,000 tables, and its answer changes only with the catalogs. While
// their change signal (relation_identity.h) stands still, the tables found last are kept and only
// pg_locks is read again, for the lock check; the catalogs are read again when the signal moves
// or is not to be trusted, and at least every kMaxAge (a role granted to the exporter's role
// changes its privileges without moving the signal).
class HistoryCatalog {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::seconds kMaxAge{60};

  std::vector<WatchedTable> find(PgSession& session, const HistoryLookup& lookup,
                                 Clock::time_point now);
  // Catalog reads so far (a counter for the collector's self-metric).
  double reads() const { return reads_; }

 private:
  std::optional<std::string> signal_;
  std::optional<std::vector<WatchedTable>> tables_;
  Clock::time_point read_at_{};
  double reads_ = 0;
};

}  // namespace mexp
