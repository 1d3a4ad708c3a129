// A read-only view of the metric families one run of the collectors returned: the deploy gate's
// checks judge these, the same series the daemon exports, and never query the database themselves.
#pragma once

#include <prometheus/metric_family.h>

#include <map>
#include <string>
#include <vector>

namespace mexp::gate {

struct Series {
  std::map<std::string, std::string> labels;
  double value = 0;
  const std::string& label(const std::string& name) const;  // "" when absent
};

class FamilyView {
 public:
  void add(const std::vector<prometheus::MetricFamily>& families);
  // Every series of family `name` whose labels include all of `match`, in the collector's order.
  std::vector<Series> series(const std::string& name,
                             const std::map<std::string, std::string>& match = {}) const;
  bool has(const std::string& name) const { return families_.contains(name); }

 private:
  std::map<std::string, std::vector<Series>> families_;
};

// "flyway public.flyway_schema_history": the tool and table a history or migration series is about.
std::string history_table_of(const Series& series);

}  // namespace mexp::gate
