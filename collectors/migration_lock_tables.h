// The lock tables of Liquibase, Knex and goose for the migration_progress collector: one statement
// reads them all, and each row says whether the tool is migrating, who holds the lock, and whether
// the lock has gone stale.
#pragma once

#include <chrono>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "collectors/migration_live_facts.h"
#include "collectors/migration_locks.h"
#include "core/pg_session.h"

namespace mexp {

// What one watched lock says this poll, before series with the same labels are merged.
struct MigrationObservation {
  bool running = false;
  bool stale = false;
  bool reports_staleness = false;  // lock tables only: migration_lock_stale is emitted for them
  std::set<int> holders;
  double seconds = 0;
};

// How long a holder has held a lock, by the holder's key; `known_age` is what the database says
// (0 when nothing is known).
using HeldSeconds = std::function<double(const std::string& key, double known_age)>;

// One row per lock table, in the order given: column 0 the table's index, 1 locked, 2 seconds
// locked, 3 owners (newline-joined), 4 lease valid, 5 updating transactions (comma-joined).
PgResult read_lock_tables(PgSession& session, const std::vector<const FoundTable*>& tables,
                          const std::vector<const ToolLock*>& tools);

// A row that says locked, or one being updated right now: the sessions are needed to say who.
bool lock_table_says_locked(const PgResult& rows);

// What row `row` of read_lock_tables() says, with the sessions in `facts` naming the holder;
// `lock_key` names this lock for held_seconds.
MigrationObservation lock_table_observation(const ToolLock& tool, const PgResult& rows, int row,
                                            const LiveFacts& facts, const std::string& lock_key,
                                            std::chrono::milliseconds stale_lock_after,
                                            const HeldSeconds& held_seconds);

// Liquibase's LOCKEDBY "<hostname>[<description>] (<address>)" → {hostname, address}.
std::pair<std::string, std::string> owner_host_and_address(const std::string& owner);

}  // namespace mexp
