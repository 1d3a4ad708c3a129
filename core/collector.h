// The one interface every collector implements, and the registry collectors add themselves to.
#pragma once

#include <prometheus/metric_family.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/collector_options.h"
#include "core/metric_builder.h"
#include "core/pg_session.h"

namespace mexp {

// What a collector may use while it collects. It gets a connected session and the labels every
// series of this target starts with (datname); it never sees HTTP, timing or other collectors.
struct CollectContext {
  PgSession& session;
  const Labels& base_labels;
  std::chrono::system_clock::time_point now;
  // Set by the poller: takes series a collector has already built, turns them into text at once
  // and keeps that text as if the collector had returned them first. Unset when a collector is
  // run directly (tests): then everything stays in what collect() returns.
  std::function<void(std::vector<prometheus::MetricFamily>)> emit = nullptr;

  // For collectors with series per row of a large result (every table, every index): call after
  // each row with the families those rows go to. Once they hold kSeriesPerChunk series, their
  // series are handed to `emit` and `families` keep only their names, help and types, ready for
  // the next rows. The text is the same as if the collector had returned everything at once.
  void emit_when_full(std::vector<prometheus::MetricFamily>& families) const;
};

// A prometheus-cpp series weighs ~500 bytes (labels as strings, every metric type's fields) against
// ~100 as text: 10,000 tables make 210,000 series, ~100 MB as objects. Handing them over every
// 4,096 series bounds what a poll holds at once to ~2 MB, whatever the number of tables, while the
// cost of a chunk (each family's header serialised once more) stays negligible.
inline constexpr std::size_t kSeriesPerChunk = 4096;

class Collector {
 public:
  virtual ~Collector() = default;
  // Returns this poll's families (the last chunk of them when the collector handed some over with
  // context.emit_when_full() before), or throws (PgError, std::exception): the poller then records
  // the failure in migration_exporter_collector_success and drops the collector's series for this
  // poll.
  virtual std::vector<prometheus::MetricFamily> collect(CollectContext& context) = 0;
};

struct CollectorInfo {
  std::string name;         // config section [collectors.<name>] and the `collector` label
  std::string description;  // one line for --help and README
  bool enabled_by_default = true;
  // 0 means "the --poll.interval default"; live collectors ask for a few seconds.
  std::chrono::milliseconds default_interval{0};
  // A live collector (locks, activity, the migration running now) is what an SRE reads during an
  // incident: the poller runs the live ones on their own thread and connection, so that a slow
  // history table or a 10,000-table database never makes them stale. Live collectors must be
  // cheap: catalog views only, well inside a second.
  bool live = false;
  // Its series describe the database it is connected to (its history tables, its tables): with
  // database auto-discovery, a copy of it runs in every discovered database as well.
  bool per_database = false;
  // Builds a collector for one target from its options. Options the factory does not read are
  // reported as unknown keys, so a collector validates its own section just by reading it.
  std::function<std::unique_ptr<Collector>(CollectorOptions&)> factory;
  // Families this collector exports under postgres_exporter's names (README, "Compatibility with
  // postgres_exporter"). Companion mode (--compat.companion) drops them from its output, so that a
  // scrape of both exporters never sees a family twice.
  std::vector<std::string> postgres_exporter_families = {};
  // Every family of this collector is one of postgres_exporter's: companion mode does not run it.
  bool postgres_exporter_only = false;
};

// Called from a static initialiser in each collector's file:
//   const bool registered = register_collector({...});
bool register_collector(CollectorInfo info);
// Every registered collector, sorted by name.
const std::vector<CollectorInfo>& registered_collectors();
const CollectorInfo* find_collector(const std::string& name);

}  // namespace mexp
