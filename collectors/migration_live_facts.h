// What the migration_progress collector reads in its live statement: the database, the tables
// whose names a migration tool uses, the sessions connected here and the lock waiters anywhere.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/blocking_graph.h"
#include "collectors/migration_locks.h"
#include "core/pg_session.h"

namespace mexp {

struct LiveSession {
  std::string xid, client_addr, client_hostname;
  std::set<std::string> advisory_locks;
  std::optional<double> transaction_age;
  double backend_start = 0;
};

struct FoundTable {
  std::string schema, name;
  std::set<std::string> columns;
  std::vector<int> exclusive_holders;
  bool exclusive_requested = false;
  bool readable = false;
  std::string oid;
};

struct LiveFacts {
  DatabaseFacts database;
  std::vector<FoundTable> tables;
  std::map<int, LiveSession> sessions;
  std::map<int, double> wait_seconds;  // by waiting pid
  BlockingGraph graph;
};

// How much the live statement reads. `locks`: the database, the tables, their ACCESS EXCLUSIVE
// holders and the advisory locks held here (sessions carry only those; no waiters), from pg_locks
// and the catalog alone. `sessions`: also every session of this database and every lock waiter
// with its blockers (pg_stat_activity, pg_blocking_pids), what a running migration's figures need.
enum class LiveDetail { locks, sessions };

// Runs the live statement: `table_names` are the tables to look for, `columns` the columns whose
// presence tells the tools' tables apart.
LiveFacts read_live_facts(PgSession& session, const std::set<std::string>& table_names,
                          const std::set<std::string>& columns, LiveDetail detail);

// The probe (LiveDetail::locks) without the catalog: `catalog` is what the last full probe found
// (its database and tables); pg_locks alone is read again for those tables' ACCESS EXCLUSIVE
// holders and for the advisory locks held here.
LiveFacts read_live_locks(PgSession& session, const LiveFacts& catalog);

// "a,b,,c" → {a, b, c}.
std::set<std::string> split_list(std::string_view text, char separator);

}  // namespace mexp
