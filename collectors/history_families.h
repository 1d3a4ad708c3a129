// The migration_* history families of one poll, filled table by table from the history
// statement's result rows.
#pragma once

#include <cmath>
#include <optional>
#include <set>
#include <sstream>

#include "collectors/history_statement.h"
#include "collectors/history_tools.h"
#include "core/metric_builder.h"
#include "core/pg_session.h"

namespace mexp {

class HistoryFamilies {
 public:
  HistoryFamilies()
      : up_(gauge_family("migration_history_up",
                         "Whether the history table could be read (1) or not (0).")),
        applied_(gauge_family("migration_applied",
                              "Successful migration runs recorded in the history table "
                              "(repeatables count each run).")),
        failed_(gauge_family("migration_failed",
                             "Failed migration runs recorded in the history table.")),
        unresolved_(gauge_family("migration_unresolved_failures",
                                 "Migrations whose latest history row is a failure (not yet "
                                 "resolved by a later success, undo, repair or clean state).")),
        rollbacks_(gauge_family("migration_rollbacks",
                                "Rollbacks: undo runs recorded in the history table, plus moves of "
                                "the current version to a lower one seen between polls without a "
                                "recorded undo (since the exporter started).")),
        last_applied_(gauge_family(
            "migration_last_applied_timestamp_seconds",
            "When the latest migration run (any outcome) started, as a Unix timestamp.")),
        last_success_(
            gauge_family("migration_last_success_timestamp_seconds",
                         "When the latest successful migration run started, as a Unix timestamp.")),
        last_failure_(
            gauge_family("migration_last_failure_timestamp_seconds",
                         "When the latest failed migration run started, as a Unix timestamp.")),
        current_(
            gauge_family("migration_current_version_info",
                         "The highest applied version and its description (value is always 1).")),
        duration_(histogram_family("migration_duration_seconds",
                                   "Recorded execution times of successful migration runs.")),
        last_duration_(gauge_family("migration_last_duration_seconds",
                                    "Execution time of the latest migration run.")),
        info_(gauge_family("migration_info", "The most recent history rows (value is always 1).")) {
  }

  prometheus::MetricFamily& up() { return up_; }

  void add(const HistoryTool& tool, const Labels& labels, const PgResult& result,
           double observed_rollbacks) {
    std::set<std::string> exported;  // label sets of this table's _info series
    for (int row = 0; row < result.rows(); ++row) {
      const std::string_view kind = result.text(row, 0);
      if (kind == "summary") {
        if (tool.records_history) add_gauge(applied_, labels, result.number(row, 1));
        if (tool.orders_versions)
          add_gauge(rollbacks_, labels, result.number(row, 3) + observed_rollbacks);
        add_optional(last_applied_, labels, result.optional_number(row, 4));
        add_optional(last_success_, labels, result.optional_number(row, 5));
        if (tool.records_failures) {
          add_gauge(failed_, labels, result.number(row, 2));
          add_gauge(unresolved_, labels, result.number(row, 14));
          add_optional(last_failure_, labels, result.optional_number(row, 6));
        }
        if (tool.records_duration) {
          add_optional(last_duration_, labels, result.optional_number(row, 7));
          HistogramValue histogram;
          histogram.count = static_cast<std::uint64_t>(result.number(row, 8));
          histogram.sum = result.number(row, 9);
          std::istringstream counts{std::string(result.text(row, 10))};
          std::string count;
          for (double bound : kHistoryDurationBuckets) {
            if (!std::getline(counts, count, ',')) break;
            histogram.buckets.emplace_back(bound, std::stoull(count));
          }
          add_histogram(duration_, labels, histogram);
        }
      } else if (kind == "current") {
        add_info(current_,
                 with_labels(labels, {{"version", result.text(row, 1)},
                                      {"description", result.text(row, 2)}}),
                 exported);
      } else if (kind == "recent") {
        add_info(info_,
                 with_labels(labels, {{"version", result.text(row, 1)},
                                      {"description", result.text(row, 2)},
                                      {"type", result.text(row, 3)},
                                      {"script", result.text(row, 4)},
                                      {"installed_by", result.text(row, 5)},
                                      {"success", result.text(row, 6)}}),
                 exported);
      }
    }
  }

  std::vector<prometheus::MetricFamily> take() {
    return {std::move(up_),           std::move(applied_),       std::move(failed_),
            std::move(unresolved_),   std::move(rollbacks_),     std::move(last_applied_),
            std::move(last_success_), std::move(last_failure_),  std::move(current_),
            std::move(duration_),     std::move(last_duration_), std::move(info_)};
  }

 private:
  // The statement already drops non-finite timestamps; a value no number can be is never exported.
  static void add_optional(prometheus::MetricFamily& family, const Labels& labels,
                           std::optional<double> value) {
    if (value && std::isfinite(*value)) add_gauge(family, labels, *value);
  }

  // An _info series (value 1), unless one with the same labels was exported already: rows that
  // differ only where the labels cannot show it (a value cut at kMaxLabelValueBytes) would be
  // duplicate series, which Prometheus rejects as a scrape error.
  static void add_info(prometheus::MetricFamily& family, Labels labels,
                       std::set<std::string>& exported) {
    std::string key = family.name;
    for (const auto& label : labels) key += '\0' + label.value;
    if (exported.insert(std::move(key)).second) add_gauge(family, std::move(labels), 1);
  }

  prometheus::MetricFamily up_, applied_, failed_, unresolved_, rollbacks_, last_applied_,
      last_success_, last_failure_, current_, duration_, last_duration_, info_;
};

}  // namespace mexp
