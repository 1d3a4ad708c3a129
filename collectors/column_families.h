// One metric family per column of a statistics view, one sample per row: the shape of most of
// postgres_exporter's collectors (pg_stat_database, pg_stat_bgwriter, pg_statio_user_tables...),
// described as data by the collectors that share it.
#pragma once

#include <prometheus/metric_family.h>

#include <span>
#include <string>
#include <vector>

#include "core/metric_builder.h"
#include "core/pg_session.h"

namespace mexp {

struct ColumnMetric {
  const char* column;  // in the statement's result
  const char* name;    // the family
  prometheus::MetricType type;
  const char* help;
};

class ColumnFamilies {
 public:
  explicit ColumnFamilies(std::span<const ColumnMetric> metrics);
  // A sample in each family from `row`; a NULL column (a statistic the server does not have)
  // gives none. Throws if the result lacks a column.
  void add_row(const PgResult& result, int row, const Labels& labels);
  // Appends the families to `out` (each once, empty or not).
  void move_into(std::vector<prometheus::MetricFamily>& out);
  // Every row of `result` with the same labels: the whole collect() of a collector that reads one
  // server-wide view (pg_stat_bgwriter, pg_stat_archiver, pg_stat_checkpointer).
  static std::vector<prometheus::MetricFamily> of_rows(std::span<const ColumnMetric> metrics,
                                                       const PgResult& result,
                                                       const Labels& labels);
  // The family names, for CollectorInfo::postgres_exporter_families.
  static std::vector<std::string> names(std::span<const ColumnMetric> metrics);

 private:
  std::span<const ColumnMetric> metrics_;
  std::vector<prometheus::MetricFamily> families_;
};

}  // namespace mexp
