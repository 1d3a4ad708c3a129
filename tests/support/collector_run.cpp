// CollectorRun: a collector built from TOML options, connected as the least-privilege monitor role.
#include "tests/support/collector_run.h"

#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <stdexcept>

#include "tests/support/test_pg.h"

namespace mexp::test {
namespace {

SessionSettings monitor_settings(const std::string& dbname,
                                 std::chrono::milliseconds lock_timeout) {
  SessionSettings settings;
  settings.conninfo = cluster_conninfo(dbname, kMonitorRole);
  settings.password = kMonitorPassword;
  settings.lock_timeout = lock_timeout;
  settings.statement_timeout = std::chrono::milliseconds(20000);
  return settings;
}

bool labels_match(const prometheus::ClientMetric& metric, const LabelMap& wanted) {
  for (const auto& [name, value] : wanted) {
    bool found = false;
    for (const auto& label : metric.label) {
      if (label.name == name && label.value == value) found = true;
    }
    if (!found) return false;
  }
  return true;
}

double value_of(const prometheus::MetricFamily& family, const prometheus::ClientMetric& metric) {
  switch (family.type) {
    case prometheus::MetricType::Counter:
      return metric.counter.value;
    case prometheus::MetricType::Gauge:
      return metric.gauge.value;
    default:
      throw std::logic_error("sample(): only counters and gauges");
  }
}

}  // namespace

CollectorRun::CollectorRun(const std::string& collector, const std::string& dbname,
                           const std::string& options_toml, std::chrono::milliseconds lock_timeout)
    : session_(monitor_settings(dbname, lock_timeout)) {
  const auto* info = find_collector(collector);
  if (info == nullptr) throw std::runtime_error("no collector named " + collector);
  const toml::table options = toml::parse(options_toml);
  ConfigErrors errors;
  CollectorOptions reader(&options, nullptr, "collectors." + collector, "", "test.toml", errors);
  collector_ = info->factory(reader);
  reader.report_unknown_keys();
  if (!errors.empty()) throw std::runtime_error("config errors: " + errors.joined());
  session_.connect();
  base_labels_ = {{"datname", session_.datname()}};
}

std::vector<prometheus::MetricFamily> CollectorRun::collect() {
  CollectContext context{session_, base_labels_, std::chrono::system_clock::now()};
  return collector_->collect(context);
}

std::vector<prometheus::MetricFamily> CollectorRun::collect(
    std::function<void(std::vector<prometheus::MetricFamily>)> emit) {
  CollectContext context{session_, base_labels_, std::chrono::system_clock::now(), std::move(emit)};
  return collector_->collect(context);
}

const prometheus::MetricFamily* find_family(const std::vector<prometheus::MetricFamily>& families,
                                            const std::string& name) {
  const prometheus::MetricFamily* found = nullptr;
  for (const auto& family : families) {
    if (family.name != name) continue;
    EXPECT_EQ(found, nullptr) << "family " << name << " returned twice";
    found = &family;
  }
  return found;
}

std::optional<double> sample(const std::vector<prometheus::MetricFamily>& families,
                             const std::string& name, const LabelMap& labels) {
  const auto* family = find_family(families, name);
  if (family == nullptr) return std::nullopt;
  std::optional<double> value;
  for (const auto& metric : family->metric) {
    if (!labels_match(metric, labels)) continue;
    EXPECT_FALSE(value.has_value()) << "several samples of " << name << " match";
    value = value_of(*family, metric);
  }
  return value;
}

std::size_t count_samples(const std::vector<prometheus::MetricFamily>& families,
                          const std::string& name, const LabelMap& labels) {
  const auto* family = find_family(families, name);
  if (family == nullptr) return 0;
  std::size_t count = 0;
  for (const auto& metric : family->metric) count += labels_match(metric, labels) ? 1 : 0;
  return count;
}

}  // namespace mexp::test
