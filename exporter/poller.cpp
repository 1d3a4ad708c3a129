// Splitting a target's collectors into lanes, and publishing the lanes' results as one consistent
// set of families.
#include "exporter/poller.h"

#include <algorithm>

#include "core/collector.h"
#include "exporter/poll_bookkeeping.h"

namespace mexp {

Poller::Poller(TargetConfig target, bool label_target, SnapshotStore& store)
    : target_(std::move(target)), store_(store) {
  std::vector<CollectorPlan> live, rest;
  for (const auto& plan : target_.collectors) {
    const auto* info = find_collector(plan.name);
    (info != nullptr && info->live ? live : rest).push_back(plan);
  }
  // A lane per kind that has collectors; a target without any still gets one, for pg_up.
  std::vector<std::pair<std::string, std::vector<CollectorPlan>>> lanes;
  if (!live.empty()) lanes.emplace_back("live", std::move(live));
  if (!rest.empty() || lanes.empty()) lanes.emplace_back("other", std::move(rest));
  lane_states_.resize(lanes.size());
  for (std::size_t lane = 0; lane < lanes.size(); ++lane) {
    PollLane::Events events{
        [this, lane](std::vector<CollectorRunResult> ran, bool connected, const Labels& labels) {
          round_done(lane, std::move(ran), connected, labels);
        },
        [this, lane](bool connected) {
          for (std::size_t peer = 0; peer < lanes_.size(); ++peer) {
            if (peer == lane) continue;
            if (connected) {
              lanes_[peer]->peer_connected();
            } else {
              lanes_[peer]->peer_lost();
            }
          }
        }};
    lanes_.push_back(std::make_unique<PollLane>(
        lanes[lane].first, target_, std::move(lanes[lane].second), label_target,
        LaneShared{stopping_, outage_logged_}, std::move(events)));
  }
  if (target_.discovery.enabled)
    fleet_ = std::make_unique<DatabaseFleet>(target_, label_target, store_, stopping_);
}

Poller::~Poller() { stop(); }

void Poller::start() {
  for (auto& lane : lanes_) lane->start();
  if (fleet_) fleet_->start();
}

void Poller::stop() {
  stopping_.store(true);
  for (auto& lane : lanes_) lane->wake();
  if (fleet_) fleet_->wake();
  for (auto& lane : lanes_) lane->join();
  if (fleet_) fleet_->join();
}

void Poller::round_done(std::size_t lane, std::vector<CollectorRunResult> ran, bool connected,
                        const Labels& base_labels) {
  const double timestamp =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::lock_guard lock(mutex_);
  auto& state = lane_states_[lane];
  for (auto& run : ran) state.last_runs.insert_or_assign(run.collector, std::move(run));
  state.connected = connected;
  state.reported = true;
  if (std::all_of(lane_states_.begin(), lane_states_.end(),
                  [](const LaneState& lane_state) { return lane_state.connected; })) {
    outage_logged_.store(false);  // the next outage is logged again
  }
  publish_locked(base_labels, timestamp);
  if (std::all_of(lane_states_.begin(), lane_states_.end(),
                  [](const LaneState& lane_state) { return lane_state.reported; })) {
    first_poll_done_.store(true);
  }
}

void Poller::publish_locked(const Labels& labels, double poll_timestamp) {
  // pg_up is 1 only while every lane's connection works (a lane that has not finished its first
  // round yet counts as working). When it is 0, every collector is reported failed and no
  // collector series is served: the snapshot never pairs pg_up 0 with series read before the
  // outage, as a lane that has not noticed the outage yet would otherwise still offer.
  const bool up = std::all_of(lane_states_.begin(), lane_states_.end(), [](const LaneState& lane) {
    return lane.connected || !lane.reported;
  });
  std::vector<prometheus::MetricFamily> families;
  if (!target_.companion) {
    auto pg_up = gauge_family(
        "pg_up", "Whether the last connection to the database succeeded (1) or not (0).");
    add_gauge(pg_up, labels, up ? 1 : 0);
    families.push_back(std::move(pg_up));
  }
  // migration_exporter_database_up is pg_up under our own name, exported in companion mode too,
  // where pg_up is postgres_exporter's.
  PollBookkeeping bookkeeping;
  std::vector<const CollectorRunResult*> runs;
  std::vector<FamilyTexts> parts;
  for (const auto& lane : lane_states_) {
    for (const auto& [name, run] : lane.last_runs) {
      runs.push_back(&run);
      if (up && run.families) parts.push_back(run.families);
    }
  }
  const bool any_failed = bookkeeping.add(labels, up, runs, poll_timestamp);
  for (auto& family : std::move(bookkeeping).take()) families.push_back(std::move(family));
  if (!target_.companion) {
    // postgres_exporter's name and meaning, for the dashboards and alerts written for it.
    auto scrape_error = gauge_family(
        "pg_exporter_last_scrape_error",
        "Whether the last scrape of metrics from PostgreSQL resulted in an error (1 for error, 0 "
        "for success): 1 when any collector's last run failed.");
    add_gauge(scrape_error, labels, any_failed ? 1 : 0);
    families.push_back(std::move(scrape_error));
  }
  parts.push_back(serialize_families(std::move(families)));
  store_.publish(target_.name, std::move(parts));
}

}  // namespace mexp
