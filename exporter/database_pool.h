// A bounded set of sessions to the databases of one server, for auto-discovery: at most `capacity`
// are open at once, the least recently used one is closed to make room, so that watching 1,000
// databases never means 1,000 permanent connections.
#pragma once

#include <atomic>
#include <cstddef>
#include <list>
#include <memory>
#include <string>

#include "core/pg_session.h"

namespace mexp {

class DatabaseSessionPool {
 public:
  // Sessions get `base`'s settings with the database replaced; `stop` aborts their waits.
  DatabaseSessionPool(SessionSettings base, std::size_t capacity, const std::atomic<bool>* stop);

  // A connected session to `dbname`, valid until the next acquire() (the pool has one user: the
  // thread that sweeps the discovered databases). Throws PgError when it cannot connect.
  PgSession& acquire(const std::string& dbname);
  // Closes `dbname`'s session (after its connection was lost, or when the database is gone).
  void forget(const std::string& dbname);

  std::size_t open() const { return sessions_.size(); }
  std::size_t capacity() const { return capacity_; }
  double connects_total() const { return connects_; }

 private:
  struct Entry {
    std::string dbname;
    std::unique_ptr<PgSession> session;
  };

  SessionSettings base_;
  std::size_t capacity_;
  const std::atomic<bool>* stop_;
  std::list<Entry> sessions_;  // most recently used first
  double connects_ = 0;
};

}  // namespace mexp
