// One poller per target. Its collectors run in two lanes, each a thread with its own libpq
// connection (poll_lane.h): the live collectors (locks, activity, migration_progress) in one, the
// rest (history, tables, indexes, replication) in the other, so that a slow history table never
// makes the live families stale. The poller wraps the lanes' results in the bookkeeping every
// collector gets (duration, success, pg_up, last poll time) and publishes the target's families to
// the snapshot store.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/metric_builder.h"
#include "exporter/config.h"
#include "exporter/database_fleet.h"
#include "exporter/poll_lane.h"
#include "exporter/snapshot.h"

namespace mexp {

class Poller {
 public:
  Poller(TargetConfig target, bool label_target, SnapshotStore& store);
  ~Poller();
  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;

  void start();
  // Stops within ~100 ms, even in the middle of a query to a hung server.
  void stop();
  // True once every lane finished its first round.
  bool first_poll_done() const { return first_poll_done_.load(); }
  const std::string& name() const { return target_.name; }

 private:
  struct LaneState {
    std::map<std::string, CollectorRunResult> last_runs;  // by collector name
    bool connected = false;
    bool reported = false;  // finished a round
  };

  void round_done(std::size_t lane, std::vector<CollectorRunResult> ran, bool connected,
                  const Labels& base_labels);
  void publish_locked(const Labels& base_labels, double poll_timestamp);

  TargetConfig target_;
  SnapshotStore& store_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> outage_logged_{false};
  std::atomic<bool> first_poll_done_{false};
  std::mutex mutex_;  // guards lane_states_ and the order of publishes
  std::vector<LaneState> lane_states_;
  std::vector<std::unique_ptr<PollLane>> lanes_;
  std::unique_ptr<DatabaseFleet> fleet_;  // with auto-discovery only
};

}  // namespace mexp
