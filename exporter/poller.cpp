// The poll loop: connect (with backoff), run due collectors, publish.
#include "exporter/poller.h"

#include <algorithm>
#include <set>
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

// Companion mode: what a collector exports under postgres_exporter's names is left out.
std::vector<prometheus::MetricFamily> without_families(
    std::vector<prometheus::MetricFamily> families, const std::vector<std::string>& dropped) {
  if (dropped.empty()) return families;
  const std::set<std::string, std::less<>> names(dropped.begin(), dropped.end());
  std::erase_if(families, [&](const auto& family) { return names.contains(family.name); });
  return families;
}
}  // namespace

Poller::Poller(TargetConfig target, bool label_target, SnapshotStore& store)
    : target_(std::move(target)),
      label_target_(label_target),
      store_(store),
      session_(target_.session, &stopping_) {
  for (auto& plan : target_.collectors)
    slots_.push_back({plan, Clock::now(), nullptr, 0, false, false});
}

Poller::~Poller() { stop(); }

void Poller::start() {
  thread_ = std::thread([this] { run(); });
}

void Poller::stop() {
  stopping_.store(true);
  { std::lock_guard lock(wake_mutex_); }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Labels Poller::base_labels() const {
  Labels labels = {{"datname", session_.datname()}};
  if (label_target_) labels.push_back({"target", target_.name});
  return labels;
}

bool Poller::ensure_connected(Clock::time_point now) {
  if (session_.connected()) return true;
  if (now < reconnect_at_) return false;
  try {
    session_.connect();
    backoff_ = std::chrono::milliseconds(0);
    log::info("connected", {{"target", target_.name}, {"database", session_.describe()}});
    was_up_ = true;
    return true;
  } catch (const PgError& error) {
    // Back off, but never beyond the shortest collector interval: recovery must show within one
    // poll interval of the server coming back.
    auto shortest = std::chrono::milliseconds::max();
    for (const auto& slot : slots_) shortest = std::min(shortest, slot.plan.interval);
    backoff_ = std::min(shortest, backoff_.count() == 0 ? kFirstBackoff : backoff_ * 2);
    reconnect_at_ = now + backoff_;
    if (was_up_) {
      log::error("cannot connect", {{"target", target_.name}, {"err", error.what()}});
      was_up_ = false;
    } else {
      log::debug("still cannot connect", {{"target", target_.name}, {"err", error.what()}});
    }
    return false;
  }
}

void Poller::run_collector(Slot& slot, const Labels& labels) {
  slot.ran = true;
  slot.families = nullptr;
  const auto started = Clock::now();
  try {
    if (!session_.connected()) throw PgError("not connected", true);
    // Collectors with a series per table or index hand them over in chunks while they run: only
    // their text is kept, so a poll of thousands of tables never holds all its series objects.
    FamilyTextsBuilder texts;
    const auto& dropped = slot.plan.dropped_families;
    CollectContext context{session_, labels, std::chrono::system_clock::now(),
                           [&texts, &dropped](std::vector<prometheus::MetricFamily> chunk) {
                             texts.add(without_families(std::move(chunk), dropped));
                           }};
    texts.add(without_families(slot.plan.collector->collect(context), dropped));
    slot.families = std::move(texts).finish();
    slot.success = true;
  } catch (const PgError& error) {
    slot.success = false;
    if (session_.connected() || !error.connection_lost() || was_up_) {
      log::warn("collector failed",
                {{"target", target_.name}, {"collector", slot.plan.name}, {"err", error.what()}});
    }
    if (error.connection_lost()) reconnect_at_ = Clock::now();  // try again on the next round
  } catch (const std::exception& error) {
    slot.success = false;
    log::warn("collector failed",
              {{"target", target_.name}, {"collector", slot.plan.name}, {"err", error.what()}});
  }
  slot.duration_seconds = std::chrono::duration<double>(Clock::now() - started).count();
}

void Poller::publish(const Labels& labels, double poll_timestamp) {
  std::vector<prometheus::MetricFamily> families;
  const double up_value = session_.connected() ? 1 : 0;
  if (!target_.companion) {
    auto up = gauge_family("pg_up",
                           "Whether the last connection to the database succeeded (1) or not (0).");
    add_gauge(up, labels, up_value);
    families.push_back(std::move(up));
  }
  // pg_up under our own name, exported in companion mode too, where pg_up is postgres_exporter's.
  auto database_up = gauge_family(
      "migration_exporter_database_up",
      "Whether the last connection to the database succeeded (1) or not (0); pg_up's value.");
  add_gauge(database_up, labels, up_value);
  families.push_back(std::move(database_up));
  bool any_failed = false;
  auto duration = gauge_family("migration_exporter_collector_duration_seconds",
                               "How long the collector's last run took, in seconds.");
  auto success = gauge_family("migration_exporter_collector_success",
                              "Whether the collector's last run succeeded (1) or failed (0).");
  std::vector<FamilyTexts> parts;
  for (auto& slot : slots_) {
    if (!slot.ran) continue;
    add_gauge(duration, with_labels(labels, {{"collector", slot.plan.name}}),
              slot.duration_seconds);
    add_gauge(success, with_labels(labels, {{"collector", slot.plan.name}}), slot.success ? 1 : 0);
    any_failed = any_failed || !slot.success;
    if (slot.families) parts.push_back(slot.families);
  }
  families.push_back(std::move(duration));
  families.push_back(std::move(success));
  if (!target_.companion) {
    // postgres_exporter's name and meaning, for the dashboards and alerts written for it.
    auto scrape_error = gauge_family(
        "pg_exporter_last_scrape_error",
        "Whether the last scrape of metrics from PostgreSQL resulted in an error (1 for error, 0 "
        "for success): 1 when any collector's last run failed.");
    add_gauge(scrape_error, labels, any_failed ? 1 : 0);
    families.push_back(std::move(scrape_error));
  }
  auto last_poll = gauge_family(
      "migration_exporter_last_poll_timestamp_seconds",
      "When this target was last polled, as a Unix timestamp (staleness: time() - this).");
  add_gauge(last_poll, labels, poll_timestamp);
  families.push_back(std::move(last_poll));
  parts.push_back(serialize_families(std::move(families)));
  store_.publish(target_.name, std::move(parts));
  release_free_memory();
}

void Poller::run() {
  while (!stopping_.load()) {
    const auto now = Clock::now();
    const bool was_connected = session_.connected();
    const bool connected = ensure_connected(now);
    if (connected && !was_connected) {
      // Back after an outage: refresh everything now rather than at each collector's next turn.
      for (auto& slot : slots_) slot.next_due = now;
    }
    bool ran_any = false;
    const Labels labels = base_labels();
    for (auto& slot : slots_) {
      if (slot.next_due > now || stopping_.load()) continue;
      run_collector(slot, labels);
      ran_any = true;
      // Keep the cadence anchored to the schedule, not to when the run ended.
      slot.next_due += slot.plan.interval;
      if (slot.next_due <= Clock::now()) slot.next_due = Clock::now() + slot.plan.interval;
    }
    if (ran_any || slots_.empty()) {
      const double timestamp =
          std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
              .count();
      publish(base_labels(), timestamp);
      first_poll_done_.store(true);
    }
    auto wake_at = Clock::now() + std::chrono::seconds(60);
    for (const auto& slot : slots_) wake_at = std::min(wake_at, slot.next_due);
    if (!session_.connected()) wake_at = std::min(wake_at, std::max(reconnect_at_, Clock::now()));
    std::unique_lock lock(wake_mutex_);
    wake_.wait_until(lock, wake_at, [this] { return stopping_.load(); });
  }
}

}  // namespace mexp
