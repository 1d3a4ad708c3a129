// A lane's loop: connect (with backoff), run due collectors, report the round.
#include "exporter/poll_lane.h"

#include <algorithm>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "core/collector.h"
#include "core/log.h"

namespace mexp {
namespace {
constexpr std::chrono::milliseconds kFirstBackoff{1000};

// A poll of thousands of tables builds (and frees) series objects, query results and growing
// text buffers on this thread; glibc keeps freed memory in the thread's arena. Hand it back, so
// that the resident size between polls is what the snapshot needs, not the last poll's peak.
void release_free_memory() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}
}  // namespace

PollLane::PollLane(std::string name, const TargetConfig& target, std::vector<CollectorPlan> plans,
                   bool label_target, LaneShared shared, Events events)
    : name_(std::move(name)),
      target_name_(target.name),
      label_target_(label_target),
      shared_(shared),
      events_(std::move(events)),
      session_(target.session, &shared.stop) {
  for (auto& plan : plans) slots_.push_back({std::move(plan), Clock::now()});
}

PollLane::~PollLane() {
  wake();
  join();
}

void PollLane::start() {
  thread_ = std::thread([this] { run(); });
}

void PollLane::wake() {
  { std::lock_guard lock(wake_mutex_); }
  wake_.notify_all();
}

void PollLane::join() {
  if (thread_.joinable()) thread_.join();
}

void PollLane::peer_lost() {
  peer_lost_.store(true);
  wake();
}

void PollLane::peer_connected() {
  peer_connected_.store(true);
  wake();
}

Labels PollLane::base_labels() const {
  Labels labels = {{"datname", session_.datname()}};
  if (label_target_) labels.push_back({"target", target_name_});
  return labels;
}

void PollLane::note_connection(bool connected) {
  if (connected == noted_connected_) return;
  noted_connected_ = connected;
  if (events_.connection_changed && !shared_.stop.load()) events_.connection_changed(connected);
}

bool PollLane::ensure_connected(Clock::time_point now) {
  if (session_.connected()) return true;
  if (now < reconnect_at_) return false;
  try {
    session_.connect();
    backoff_ = std::chrono::milliseconds(0);
    log::info("connected",
              {{"target", target_name_}, {"lane", name_}, {"database", session_.describe()}});
    note_connection(true);
    return true;
  } catch (const PgError& error) {
    // Back off, but never beyond the shortest collector interval: recovery must show within one
    // poll interval of the server coming back.
    auto shortest = std::chrono::milliseconds::max();
    for (const auto& slot : slots_) shortest = std::min(shortest, slot.plan.interval);
    backoff_ = std::min(shortest, backoff_.count() == 0 ? kFirstBackoff : backoff_ * 2);
    reconnect_at_ = now + backoff_;
    if (!shared_.outage_logged.exchange(true)) {
      log::error("cannot connect", {{"target", target_name_}, {"err", error.what()}});
    } else {
      log::debug("still cannot connect",
                 {{"target", target_name_}, {"lane", name_}, {"err", error.what()}});
    }
    note_connection(false);
    return false;
  }
}

CollectorRunResult PollLane::run_collector(const Slot& slot, const Labels& labels) {
  auto attempt = attempt_collector(slot.plan, session_, labels);
  // A lost connection is logged when it is lost, not by every collector of every round after.
  if (!attempt.error.empty() &&
      (session_.connected() || !attempt.connection_lost || noted_connected_)) {
    log::warn("collector failed",
              {{"target", target_name_}, {"collector", slot.plan.name}, {"err", attempt.error}});
  }
  if (attempt.connection_lost) {
    reconnect_at_ = Clock::now();  // try again on the next round
    note_connection(false);
  }
  return std::move(attempt.result);
}

void PollLane::run() {
  bool reported_connected = false;
  bool reported_once = false;
  while (!shared_.stop.load()) {
    if (peer_lost_.exchange(false) && session_.connected()) {
      session_.disconnect();
      reconnect_at_ = Clock::now();
      note_connection(false);
    }
    if (peer_connected_.exchange(false)) reconnect_at_ = Clock::now();
    const auto now = Clock::now();
    const bool was_connected = session_.connected();
    const bool connected = ensure_connected(now);
    if (connected && !was_connected) {
      // Back after an outage: refresh everything now rather than at each collector's next turn.
      for (auto& slot : slots_) slot.next_due = now;
    }
    std::vector<CollectorRunResult> ran;
    const Labels labels = base_labels();
    for (auto& slot : slots_) {
      if (slot.next_due > now || shared_.stop.load()) continue;
      ran.push_back(run_collector(slot, labels));
      // Keep the cadence anchored to the schedule, not to when the run ended.
      slot.next_due += slot.plan.interval;
      if (slot.next_due <= Clock::now()) slot.next_due = Clock::now() + slot.plan.interval;
    }
    const bool up = session_.connected();
    if (!shared_.stop.load() &&
        (!ran.empty() || slots_.empty() || !reported_once || up != reported_connected)) {
      events_.round_done(std::move(ran), up, base_labels());
      reported_connected = up;
      reported_once = true;
      release_free_memory();
    }
    auto wake_at = Clock::now() + std::chrono::seconds(60);
    for (const auto& slot : slots_) wake_at = std::min(wake_at, slot.next_due);
    if (!session_.connected()) wake_at = std::min(wake_at, std::max(reconnect_at_, Clock::now()));
    std::unique_lock lock(wake_mutex_);
    wake_.wait_until(lock, wake_at, [this] {
      return shared_.stop.load() || peer_lost_.load() || peer_connected_.load();
    });
  }
}

}  // namespace mexp
