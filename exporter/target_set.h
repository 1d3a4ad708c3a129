// The running targets: one poller each. Replaced as a whole when the configuration is reloaded,
// while the HTTP listener keeps serving the last snapshot.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "exporter/config.h"
#include "exporter/poller.h"
#include "exporter/snapshot.h"

namespace mexp {

class TargetSet {
 public:
  explicit TargetSet(SnapshotStore& store) : store_(store) {}
  ~TargetSet() { stop(); }
  TargetSet(const TargetSet&) = delete;
  TargetSet& operator=(const TargetSet&) = delete;

  // Stops the current pollers, drops the series of targets that are gone, and starts a poller per
  // target of `config`. Each new poller polls at once.
  void apply(const Config& config);
  void stop();
  // True once every target of the first configuration finished its first poll; stays true across
  // reloads so that a reload does not flap readiness.
  bool ready() const;
  std::string describe_html() const;

 private:
  SnapshotStore& store_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Poller>> pollers_;
  std::string html_;
  mutable std::atomic<bool> ready_latched_{false};
};

}  // namespace mexp
