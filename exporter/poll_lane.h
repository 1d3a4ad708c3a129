// One lane of a target's poller: a thread with its own libpq connection that runs its collectors
// at their intervals (connecting with backoff) and reports each round's results. A target has a
// live lane (locks, activity, migration_progress) and a lane for the rest, so that a slow history
// table can never make the collectors that matter during an incident stale.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/metric_builder.h"
#include "core/pg_session.h"
#include "exporter/collector_run.h"
#include "exporter/config.h"
#include "exporter/snapshot.h"

namespace mexp {

// What the lanes of one target share, owned by their poller.
struct LaneShared {
  const std::atomic<bool>& stop;  // ends every wait, even inside a query
  // Set by the first lane that logs "cannot connect", cleared by the poller once every lane is
  // connected again: an outage is logged once per target, not once per lane.
  std::atomic<bool>& outage_logged;
};

class PollLane {
 public:
  struct Events {
    // On the lane's thread after each round that ran a collector (or changed the connection
    // state): the results of the collectors that ran, whether the lane's connection is up, and
    // the labels every series of the target starts with (datname is the connected database's).
    std::function<void(std::vector<CollectorRunResult> ran, bool connected,
                       const Labels& base_labels)>
        round_done;
    // On the lane's thread as soon as its connection is lost or re-established.
    std::function<void(bool connected)> connection_changed;
  };

  // `name` ("live" or "other") is for the log; `label_target` adds target=<name> to the labels.
  PollLane(std::string name, const TargetConfig& target, std::vector<CollectorPlan> plans,
           bool label_target, LaneShared shared, Events events);
  ~PollLane();
  PollLane(const PollLane&) = delete;
  PollLane& operator=(const PollLane&) = delete;

  void start();
  void wake();  // after `stop` became true
  void join();
  // Another lane of the target lost its connection: the server most likely went away (or
  // restarted), so this lane's session is dropped too, at its next round, and re-established,
  // rather than failing later on a dead socket and making pg_up flap after recovery.
  void peer_lost();
  // Another lane connected: the server is back, so this lane retries at once instead of at the
  // end of its backoff (live collectors back off up to their 5 s interval).
  void peer_connected();

 private:
  using Clock = std::chrono::steady_clock;
  struct Slot {
    CollectorPlan plan;
    Clock::time_point next_due;
  };

  void run();
  Labels base_labels() const;
  bool ensure_connected(Clock::time_point now);
  CollectorRunResult run_collector(const Slot& slot, const Labels& labels);
  void note_connection(bool connected);  // reports a change to events_.connection_changed

  std::string name_;
  std::string target_name_;
  bool label_target_;
  LaneShared shared_;
  Events events_;
  PgSession session_;
  std::vector<Slot> slots_;
  Clock::time_point reconnect_at_{};
  std::chrono::milliseconds backoff_{0};
  bool noted_connected_ = false;
  std::atomic<bool> peer_lost_{false}, peer_connected_{false};
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  std::thread thread_;
};

}  // namespace mexp
