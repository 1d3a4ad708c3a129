// Column-per-family statistics: the families, their samples and their names.
#include "collectors/column_families.h"

namespace mexp {

ColumnFamilies::ColumnFamilies(std::span<const ColumnMetric> metrics) : metrics_(metrics) {
  for (const auto& metric : metrics_) {
    families_.push_back(metric.type == prometheus::MetricType::Counter
                            ? counter_family(metric.name, metric.help)
                            : gauge_family(metric.name, metric.help));
  }
}

void ColumnFamilies::add_row(const PgResult& result, int row, const Labels& labels) {
  for (std::size_t i = 0; i < metrics_.size(); ++i) {
    const auto value = result.optional_number(row, result.column(metrics_[i].column));
    if (!value) continue;
    if (metrics_[i].type == prometheus::MetricType::Counter) {
      add_counter(families_[i], labels, *value);
    } else {
      add_gauge(families_[i], labels, *value);
    }
  }
}

std::vector<prometheus::MetricFamily> ColumnFamilies::of_rows(std::span<const ColumnMetric> metrics,
                                                              const PgResult& result,
                                                              const Labels& labels) {
  ColumnFamilies columns(metrics);
  for (int row = 0; row < result.rows(); ++row) columns.add_row(result, row, labels);
  std::vector<prometheus::MetricFamily> families;
  columns.move_into(families);
  return families;
}

void ColumnFamilies::move_into(std::vector<prometheus::MetricFamily>& out) {
  for (auto& family : families_) out.push_back(std::move(family));
  families_.clear();
}

std::vector<std::string> ColumnFamilies::names(std::span<const ColumnMetric> metrics) {
  std::vector<std::string> names;
  for (const auto& metric : metrics) names.emplace_back(metric.name);
  return names;
}

}  // namespace mexp
