// Runs a registered collector against a test database as the monitor role, the way the poller
// will, and looks up samples in what it returned.
#pragma once

#include <prometheus/metric_family.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/collector.h"
#include "core/pg_session.h"

namespace mexp::test {

class CollectorRun {
 public:
  // `options_toml` is the body of [collectors.<name>]; a config error fails the test.
  CollectorRun(const std::string& collector, const std::string& dbname,
               const std::string& options_toml = "",
               std::chrono::milliseconds lock_timeout = std::chrono::milliseconds(100));
  std::vector<prometheus::MetricFamily> collect();
  // As the poller runs it: series handed over in chunks go to `emit`, the rest is returned.
  std::vector<prometheus::MetricFamily> collect(
      std::function<void(std::vector<prometheus::MetricFamily>)> emit);
  PgSession& session() { return session_; }

 private:
  PgSession session_;
  std::unique_ptr<Collector> collector_;
  Labels base_labels_;
};

using LabelMap = std::map<std::string, std::string>;

const prometheus::MetricFamily* find_family(const std::vector<prometheus::MetricFamily>& families,
                                            const std::string& name);
// The value of the one sample of `name` whose labels include every pair of `labels`; nullopt when
// there is none; fails the test when several match.
std::optional<double> sample(const std::vector<prometheus::MetricFamily>& families,
                             const std::string& name, const LabelMap& labels);
// How many samples of `name` include every pair of `labels`.
std::size_t count_samples(const std::vector<prometheus::MetricFamily>& families,
                          const std::string& name, const LabelMap& labels = {});

}  // namespace mexp::test
