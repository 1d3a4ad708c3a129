// Builders for MetricFamily values and the UTF-8 guard for label values that come from data.
#include "core/metric_builder.h"

#include <limits>

namespace mexp {

namespace {
prometheus::MetricFamily family(std::string name, std::string help, prometheus::MetricType type) {
  prometheus::MetricFamily result;
  result.name = std::move(name);
  result.help = std::move(help);
  result.type = type;
  return result;
}

// Length of the valid UTF-8 sequence starting at text[i], or 0 when it is invalid.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char min_second = 0x80, max_second = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) min_second = 0xA0;  // overlong
    if (lead == 0xED) max_second = 0x9F;  // UTF-16 surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) min_second = 0x90;  // overlong
    if (lead == 0xF4) max_second = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < min_second || byte(i + 1) > max_second) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return length;
}
}  // namespace

prometheus::MetricFamily gauge_family(std::string name, std::string help) {
  return family(std::move(name), std::move(help), prometheus::MetricType::Gauge);
}
prometheus::MetricFamily counter_family(std::string name, std::string help) {
  return family(std::move(name), std::move(help), prometheus::MetricType::Counter);
}
prometheus::MetricFamily histogram_family(std::string name, std::string help) {
  return family(std::move(name), std::move(help), prometheus::MetricType::Histogram);
}

Labels with_labels(const Labels& base,
                   std::initializer_list<std::pair<std::string_view, std::string_view>> extra) {
  Labels labels = base;
  labels.reserve(base.size() + extra.size());
  for (const auto& [name, value] : extra) {
    labels.push_back({std::string(name), label_value(value)});
  }
  return labels;
}

void add_gauge(prometheus::MetricFamily& family, Labels labels, double value) {
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  metric.gauge.value = value;
  family.metric.push_back(std::move(metric));
}

void add_counter(prometheus::MetricFamily& family, Labels labels, double value) {
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  metric.counter.value = value;
  family.metric.push_back(std::move(metric));
}

void add_histogram(prometheus::MetricFamily& family, Labels labels, const HistogramValue& value) {
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  metric.histogram.sample_count = value.count;
  metric.histogram.sample_sum = value.sum;
  for (const auto& [upper_bound, cumulative] : value.buckets) {
    metric.histogram.bucket.push_back({cumulative, upper_bound});
  }
  metric.histogram.bucket.push_back({value.count, std::numeric_limits<double>::infinity()});
  family.metric.push_back(std::move(metric));
}

std::string label_value(std::string_view text) {
  // Only a prefix is sanitised, so a 1 MB description costs no 1 MB copy. Sanitising never makes
  // text shorter, and an invalid byte grows to 3: whatever the prefix's last 3 bytes become lies
  // past the cut below, so a character split by taking the prefix is never exported.
  std::string clean = valid_utf8(text.substr(0, kMaxLabelValueBytes + 4));
  if (clean.size() <= kMaxLabelValueBytes) return clean;
  std::size_t end = kMaxLabelValueBytes - kLabelValueCutMarker.size();
  // Back up to the first byte of a character (continuation bytes are 10xxxxxx).
  while (end > 0 && (static_cast<unsigned char>(clean[end]) & 0xC0) == 0x80) --end;
  clean.resize(end);
  clean += kLabelValueCutMarker;
  return clean;
}

std::string valid_utf8(std::string_view text) {
  std::string result;
  result.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t length = utf8_sequence_length(text, i);
    if (length == 0) {
      result += "\xEF\xBF\xBD";
      ++i;
    } else {
      result.append(text.substr(i, length));
      i += length;
    }
  }
  return result;
}

}  // namespace mexp
