// Lock-safety test helpers: a watcher that samples pg_locks for a backend's ungranted locks as
// fast as it can, and the user relations a collector's statements lock.
#pragma once

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "core/collector.h"
#include "tests/support/test_pg.h"

namespace mexp::test {

// Polls pg_locks from another session, as fast as it can, for ungranted locks of `pid`.
class WaitWatcher {
 public:
  WaitWatcher(const std::string& db, int pid);
  ~WaitWatcher();
  WaitWatcher(const WaitWatcher&) = delete;
  WaitWatcher& operator=(const WaitWatcher&) = delete;
  void stop();
  int ungranted_seen() const { return ungranted_seen_.load(); }
  int samples() const { return samples_.load(); }

 private:
  SqlSession session_;
  std::atomic<bool> stop_{false};
  std::atomic<int> ungranted_seen_{0}, samples_{0};
  std::thread thread_;
};

// Relation locks a collector's statements took, seen from inside one transaction (locks are
// kept to its end): "schema.relation mode" for each one outside the system catalogs.
std::vector<std::string> user_relations_locked_by(Collector& collector, PgSession& session);

}  // namespace mexp::test
