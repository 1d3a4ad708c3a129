// Auto-discovery's worker for one target: reads the server's list of databases, keeps a copy of
// the per-database collectors (history, tables, indexes, ...) for each database found, and runs
// them database by database on its own thread through a bounded pool of sessions, publishing what
// every discovered database exported as one part of the target's series.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/metric_builder.h"
#include "exporter/collector_run.h"
#include "exporter/config.h"
#include "exporter/database_pool.h"
#include "exporter/snapshot.h"

namespace mexp {

class DatabaseFleet {
 public:
  DatabaseFleet(const TargetConfig& target, bool label_target, SnapshotStore& store,
                const std::atomic<bool>& stop);
  ~DatabaseFleet();
  DatabaseFleet(const DatabaseFleet&) = delete;
  DatabaseFleet& operator=(const DatabaseFleet&) = delete;

  void start();
  void wake();  // after `stop` became true
  void join();

  // The snapshot store's key of a target's discovered databases (removed with the target).
  static std::string store_key(const std::string& target);

 private:
  using Clock = std::chrono::steady_clock;
  struct Slot {
    CollectorPlan plan;
    Clock::time_point next_due;
  };
  struct Member {
    std::vector<Slot> slots;
    std::map<std::string, CollectorRunResult> last_runs;  // by collector name
    bool up = false;
    bool failure_logged = false;
    FamilyTexts bookkeeping;  // database_up, collector success and duration, last poll time
  };

  void run();
  bool discover();  // whether the set of databases changed
  void add_member(const std::string& dbname);
  void poll(const std::string& dbname, Member& member, Clock::time_point now);
  Labels labels_of(const std::string& dbname) const;
  void publish();

  std::string target_name_;
  std::string own_database_;
  bool label_target_;
  DatabaseDiscovery discovery_;
  std::vector<CollectorPlan> plans_;  // the per-database collectors, copied for each member
  SnapshotStore& store_;
  const std::atomic<bool>& stop_;
  DatabaseSessionPool pool_;
  std::map<std::string, Member> members_;  // by database name
  Clock::time_point next_discovery_{};
  bool discovery_failing_ = false;
  double discoveries_failed_ = 0;
  std::size_t peak_open_ = 0;
  double last_sweep_seconds_ = 0;
  bool published_once_ = false;
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  std::thread thread_;
};

}  // namespace mexp
