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

// `base` followed by `extra`; every value goes through label_value() (label values come from
// data: descriptions, script names, user names).
Labels with_labels(const Labels& base,
                   std::initializer_list<std::pair<std::string_view, std::string_view>> extra);

// The longest label value exported, in bytes. A value from data can be any size (a 1 MB Flyway
// description), and a Prometheus with label_value_length_limit rejects the whole scrape over one
// long value, pg_up included. 1,024 bytes keeps every real description and script name whole and
// stays under the 2,048 that Mimir and Cortex enforce by default.
inline constexpr std::size_t kMaxLabelValueBytes = 1024;
// The marker a cut value ends with: U+2026 HORIZONTAL ELLIPSIS (3 bytes).
inline constexpr std::string_view kLabelValueCutMarker = "\xE2\x80\xA6";
// `text` as a label value: valid UTF-8 (the exposition format requires it) and at most
// kMaxLabelValueBytes; a longer value is cut at a character boundary and ends in the marker.
std::string label_value(std::string_view text);

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
