// Small helpers that build prometheus-cpp MetricFamily values: collectors describe series with
// these instead of filling ClientMetric structs by hand.
#pragma once

#include <prometheus/metric_family.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mexp {

using Labels = std::vector<prometheus::ClientMetric::Label>;

prometheus::MetricFamily gauge_family(std::string name, std::string help);
prometheus::MetricFamily counter_family(std::string name, std::string help);
prometheus::MetricFamily histogram_family(std::string name, std::string help);

// `base` followed by `extra`; every value is made valid UTF-8 (the exposition format requires it
// and label values come from data: descriptions, script names, user names).
Labels with_labels(const Labels& base,
                   std::initializer_list<std::pair<std::string_view, std::string_view>> extra);

void add_gauge(prometheus::MetricFamily& family, Labels labels, double value);
void add_counter(prometheus::MetricFamily& family, Labels labels, double value);

// Cumulative bucket counts for the finite upper bounds, ascending; +Inf is added from `count`.
struct HistogramValue {
  std::uint64_t count = 0;
  double sum = 0;
  std::vector<std::pair<double, std::uint64_t>> buckets;
};
void add_histogram(prometheus::MetricFamily& family, Labels labels, const HistogramValue& value);

// Replaces every invalid UTF-8 sequence with U+FFFD.
std::string valid_utf8(std::string_view text);

}  // namespace mexp
