// FamilyView: the collectors' families indexed by name, gauge and counter values as numbers.
#include "gate/families.h"

namespace mexp::gate {

const std::string& Series::label(const std::string& name) const {
  static const std::string none;
  const auto found = labels.find(name);
  return found == labels.end() ? none : found->second;
}

void FamilyView::add(const std::vector<prometheus::MetricFamily>& families) {
  for (const auto& family : families) {
    auto& series = families_[family.name];
    for (const auto& metric : family.metric) {
      Series one;
      for (const auto& label : metric.label) one.labels[label.name] = label.value;
      one.value = family.type == prometheus::MetricType::Counter ? metric.counter.value
                                                                 : metric.gauge.value;
      series.push_back(std::move(one));
    }
  }
}

std::vector<Series> FamilyView::series(const std::string& name,
                                       const std::map<std::string, std::string>& match) const {
  std::vector<Series> found;
  const auto family = families_.find(name);
  if (family == families_.end()) return found;
  for (const auto& one : family->second) {
    bool matches = true;
    for (const auto& [key, value] : match) matches = matches && one.label(key) == value;
    if (matches) found.push_back(one);
  }
  return found;
}

std::string history_table_of(const Series& series) {
  std::string table = series.label("schema");
  if (!table.empty()) table += ".";
  table += series.label("table");
  return series.label("tool") + (table.empty() ? "" : " " + table);
}

}  // namespace mexp::gate
