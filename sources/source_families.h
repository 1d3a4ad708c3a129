// The expected-state families of one poll (migration_source_*, migration_pending, ...), filled
// pair by pair from a comparison.
#pragma once

#include <prometheus/metric_family.h>

#include <string>
#include <vector>

#include "core/metric_builder.h"
#include "sources/comparison.h"

namespace mexp {

class SourceFamilies {
 public:
  SourceFamilies();
  // Whether the sources could be read; the comparison families follow only when they could.
  void add_source_up(const Labels& labels, bool up);
  void add_comparison(const Labels& labels, const MigrationComparison& comparison,
                      std::size_t problem_files);
  void add_expected(const Labels& labels, const std::string& expected, bool reached);
  // The capped migration_source_info series: call after every add_comparison of the poll.
  void add_info(int limit);
  std::vector<prometheus::MetricFamily> take();

 private:
  struct Named {
    Labels labels;
    std::string state, migration;
  };
  prometheus::MetricFamily up_, files_, problem_files_, pending_, mismatch_, missing_, outdated_,
      out_of_order_, future_, unverifiable_, newest_, expected_, info_, info_dropped_;
  std::vector<Named> named_;
  std::vector<Labels> compared_;
};

}  // namespace mexp
