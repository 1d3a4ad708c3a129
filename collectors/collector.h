// The one interface every collector implements, and the registry collectors add themselves to.
#pragma once

#include <prometheus/metric_family.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "exporter/collector_options.h"
#include "exporter/metric_builder.h"
#include "exporter/pg_session.h"

namespace mexp {

// What a collector may use while it collects. It gets a connected session and the labels every
// series of this target starts with (datname); it never sees HTTP, timing or other collectors.
struct CollectContext {
  PgSession& session;
  const Labels& base_labels;
  std::chrono::system_clock::time_point now;
};

class Collector {
 public:
  virtual ~Collector() = default;
  // Returns this poll's families, or throws (PgError, std::exception): the poller then records the
  // failure in migration_exporter_collector_success and drops the collector's series for this poll.
  virtual std::vector<prometheus::MetricFamily> collect(CollectContext& context) = 0;
};

struct CollectorInfo {
  std::string name;         // config section [collectors.<name>] and the `collector` label
  std::string description;  // one line for --help and README
  bool enabled_by_default = true;
  // 0 means "the --poll.interval default"; live collectors ask for a few seconds.
  std::chrono::milliseconds default_interval{0};
  // Builds a collector for one target from its options. Options the factory does not read are
  // reported as unknown keys, so a collector validates its own section just by reading it.
  std::function<std::unique_ptr<Collector>(CollectorOptions&)> factory;
};

// Called from a static initialiser in each collector's file:
//   const bool registered = register_collector({...});
bool register_collector(CollectorInfo info);
// Every registered collector, sorted by name.
const std::vector<CollectorInfo>& registered_collectors();
const CollectorInfo* find_collector(const std::string& name);

}  // namespace mexp
