// The discovered databases' loop: discovery, a sweep of due databases one session at a time, and
// publishing their series in one part of the target.
#include "exporter/database_fleet.h"

#include <algorithm>
#include <set>

#include "core/database_conninfo.h"
#include "core/log.h"
#include "exporter/poll_bookkeeping.h"

namespace mexp {
namespace {

// A sweep of many databases publishes its progress this often, not after every database: each
// publish rebuilds (and compresses) the whole snapshot.
constexpr std::chrono::seconds kPublishDuringSweep{10};

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

DatabaseFleet::DatabaseFleet(const TargetConfig& target, bool label_target, SnapshotStore& store,
                             const std::atomic<bool>& stop)
    : target_name_(target.name),
      own_database_(expected_datname(target.session.conninfo)),
      label_target_(label_target),
      discovery_(target.discovery),
      store_(store),
      stop_(stop),
      pool_(target.session, target.discovery.max_connections, &stop) {
  for (const auto& plan : target.collectors) {
    if (plan.make_another) plans_.push_back(plan);
  }
}

DatabaseFleet::~DatabaseFleet() {
  wake();
  join();
}

std::string DatabaseFleet::store_key(const std::string& target) {
  return target + kStoreMemberSeparator + "databases";
}

void DatabaseFleet::start() {
  thread_ = std::thread([this] { run(); });
}

void DatabaseFleet::wake() {
  { std::lock_guard lock(wake_mutex_); }
  wake_.notify_all();
}

void DatabaseFleet::join() {
  if (thread_.joinable()) thread_.join();
}

Labels DatabaseFleet::labels_of(const std::string& dbname) const {
  Labels labels = {{"datname", valid_utf8(dbname)}};
  if (label_target_) labels.push_back({"target", target_name_});
  return labels;
}

void DatabaseFleet::add_member(const std::string& dbname) {
  Member member;
  const auto now = Clock::now();
  for (const auto& plan : plans_) {
    CollectorPlan copy = plan;
    copy.collector = plan.make_another();
    member.slots.push_back({std::move(copy), now});
  }
  members_.emplace(dbname, std::move(member));
}

bool DatabaseFleet::discover() {
  next_discovery_ = Clock::now() + discovery_.interval;
  std::set<std::string> found;
  try {
    auto& session = pool_.acquire(own_database_);
    auto result = session.query(kOtherDatabasesSql);
    for (int row = 0; row < result.rows(); ++row) {
      std::string dbname(result.text(row, 0));
      if (dbname != session.datname() && discovery_.selects(dbname)) found.insert(dbname);
    }
  } catch (const PgError& error) {
    ++discoveries_failed_;
    // Keep watching what was found before; say it once per outage.
    (discovery_failing_ ? log::debug : log::warn)(
        "cannot list the databases to watch", {{"target", target_name_}, {"err", error.what()}});
    discovery_failing_ = true;
    if (error.connection_lost()) pool_.forget(own_database_);
    return false;
  }
  if (discovery_failing_)
    log::info("listing the databases works again", {{"target", target_name_}});
  discovery_failing_ = false;
  bool changed = false;
  for (auto it = members_.begin(); it != members_.end();) {
    if (found.contains(it->first)) {
      ++it;
      continue;
    }
    log::info("a discovered database is gone", {{"target", target_name_}, {"database", it->first}});
    pool_.forget(it->first);
    it = members_.erase(it);
    changed = true;
  }
  for (const auto& dbname : found) {
    if (members_.contains(dbname)) continue;
    add_member(dbname);
    changed = true;
  }
  return changed;
}

void DatabaseFleet::poll(const std::string& dbname, Member& member, Clock::time_point now) {
  const Labels labels = labels_of(dbname);
  std::string failure;
  try {
    PgSession& session = pool_.acquire(dbname);
    peak_open_ = std::max(peak_open_, pool_.open());
    member.up = true;
    for (auto& slot : member.slots) {
      if (slot.next_due > now || stop_.load()) continue;
      auto attempt = attempt_collector(slot.plan, session, labels);
      if (!attempt.error.empty() && !attempt.connection_lost) {
        log::warn("collector failed", {{"target", target_name_},
                                       {"database", dbname},
                                       {"collector", slot.plan.name},
                                       {"err", attempt.error}});
      }
      member.last_runs.insert_or_assign(slot.plan.name, std::move(attempt.result));
      if (attempt.connection_lost) {
        pool_.forget(dbname);
        member.up = false;
        failure = attempt.error;
        break;
      }
    }
  } catch (const PgError& error) {
    member.up = false;
    failure = error.what();
  }
  if (!member.up) {
    // A dropped database, one that refuses us or a server restart: the gauge says it every poll,
    // the log once per outage.
    (member.failure_logged ? log::debug : log::warn)(
        "cannot read a discovered database",
        {{"target", target_name_}, {"database", dbname}, {"err", failure}});
    member.failure_logged = true;
  } else if (member.failure_logged) {
    log::info("reading the discovered database works again",
              {{"target", target_name_}, {"database", dbname}});
    member.failure_logged = false;
  }
  for (auto& slot : member.slots) {
    if (slot.next_due > now) continue;
    // Anchored to the schedule; a sweep that overran starts the next interval from now.
    slot.next_due += slot.plan.interval;
    if (slot.next_due <= Clock::now()) slot.next_due = Clock::now() + slot.plan.interval;
  }
  PollBookkeeping bookkeeping;
  std::vector<const CollectorRunResult*> runs;
  for (const auto& [name, run] : member.last_runs) runs.push_back(&run);
  bookkeeping.add(labels, member.up, runs, unix_now());
  member.bookkeeping = serialize_families(std::move(bookkeeping).take());
}

void DatabaseFleet::publish() {
  std::vector<FamilyTexts> parts;
  for (const auto& [dbname, member] : members_) {
    if (member.bookkeeping) parts.push_back(member.bookkeeping);
    if (!member.up) continue;
    for (const auto& [name, run] : member.last_runs) {
      if (run.families) parts.push_back(run.families);
    }
  }
  const Labels labels = labels_of(own_database_);
  auto watched = gauge_family("migration_exporter_discovered_databases",
                              "Databases auto-discovery watches on this server besides the "
                              "target's own (after include_databases and exclude_databases).");
  add_gauge(watched, labels, static_cast<double>(members_.size()));
  auto open = gauge_family("migration_exporter_discovery_connections",
                           "Sessions open now to discovered databases.");
  add_gauge(open, labels, static_cast<double>(pool_.open()));
  auto peak = gauge_family("migration_exporter_discovery_connections_peak",
                           "The most sessions open at once to discovered databases since start.");
  add_gauge(peak, labels, static_cast<double>(peak_open_));
  auto limit = gauge_family("migration_exporter_discovery_connections_limit",
                            "The most sessions auto-discovery opens at once "
                            "([auto_discovery] max_connections).");
  add_gauge(limit, labels, static_cast<double>(pool_.capacity()));
  auto connects = counter_family("migration_exporter_discovery_connects_total",
                                 "Sessions opened to discovered databases (a session is reused "
                                 "while the pool has room for every database).");
  add_counter(connects, labels, pool_.connects_total());
  auto errors = counter_family("migration_exporter_discovery_errors_total",
                               "Times the list of databases could not be read.");
  add_counter(errors, labels, discoveries_failed_);
  auto round = gauge_family("migration_exporter_discovery_last_sweep_seconds",
                            "How long the last sweep of the discovered databases took (every "
                            "database with a collector due, one after another).");
  add_gauge(round, labels, last_sweep_seconds_);
  std::vector<prometheus::MetricFamily> families;
  for (auto* family : {&watched, &open, &peak, &limit, &connects, &errors, &round})
    families.push_back(std::move(*family));
  parts.push_back(serialize_families(std::move(families)));
  store_.publish(store_key(target_name_), std::move(parts));
}

void DatabaseFleet::run() {
  while (!stop_.load()) {
    const bool changed = Clock::now() >= next_discovery_ && discover();
    const auto started = Clock::now();
    auto last_publish = started;
    bool polled = false;
    for (auto& [dbname, member] : members_) {
      if (stop_.load()) break;
      const auto now = Clock::now();
      const bool due = std::any_of(member.slots.begin(), member.slots.end(),
                                   [&](const Slot& slot) { return slot.next_due <= now; });
      if (!due) continue;
      poll(dbname, member, now);
      polled = true;
      if (Clock::now() - last_publish >= kPublishDuringSweep) {
        publish();
        last_publish = Clock::now();
      }
    }
    if (stop_.load()) break;
    if (polled) last_sweep_seconds_ = std::chrono::duration<double>(Clock::now() - started).count();
    if (polled || changed || !published_once_) {
      publish();
      published_once_ = true;
    }
    auto wake_at = next_discovery_;
    for (const auto& [dbname, member] : members_) {
      for (const auto& slot : member.slots) wake_at = std::min(wake_at, slot.next_due);
    }
    std::unique_lock lock(wake_mutex_);
    wake_.wait_until(lock, wake_at, [this] { return stop_.load(); });
  }
}

}  // namespace mexp
