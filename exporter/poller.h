// One poller per target: its own thread and libpq connection. It runs each enabled collector at
// that collector's interval, wraps them in the bookkeeping every collector gets (duration,
// success, pg_up, last poll time) and publishes the target's families to the snapshot store.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "core/metric_builder.h"
#include "core/pg_session.h"
#include "exporter/config.h"
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
  bool first_poll_done() const { return first_poll_done_.load(); }
  const std::string& name() const { return target_.name; }

 private:
  using Clock = std::chrono::steady_clock;
  struct Slot {
    CollectorPlan plan;
    Clock::time_point next_due;
    FamilyTexts families;  // from its last run, serialised
    double duration_seconds = 0;
    bool success = false;
    bool ran = false;
  };

  void run();
  bool ensure_connected(Clock::time_point now);
  void run_collector(Slot& slot, const Labels& base_labels);
  void publish(const Labels& base_labels, double poll_timestamp);
  Labels base_labels() const;

  TargetConfig target_;
  bool label_target_;
  SnapshotStore& store_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> first_poll_done_{false};
  PgSession session_;
  std::vector<Slot> slots_;
  Clock::time_point reconnect_at_{};
  std::chrono::milliseconds backoff_{0};
  bool was_up_ = true;  // for logging state changes once, not every poll
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  std::thread thread_;
};

}  // namespace mexp
