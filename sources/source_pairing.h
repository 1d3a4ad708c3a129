// Pairs history tables with the migration sources their tool reads (the `sources` option of the
// history collector), and turns each poll's pairs into the expected-state families. The history
// collector calls observe() for every table it read and take() once per poll; everything else
// (config, scanning, digests, the comparison) lives here.
#pragma once

#include <prometheus/metric_family.h>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "collectors/history_tools.h"
#include "core/collector_options.h"
#include "core/metric_builder.h"
#include "core/pg_session.h"
#include "sources/comparison.h"
#include "sources/source_scan.h"

namespace mexp {

struct SourcePairing {
  std::string tool;
  std::string schema, table;       // empty: the only table of this tool found (auto-pairing)
  std::vector<std::string> paths;  // files or directories (Flyway's locations); may be empty
  std::optional<std::string> expected_version;
  SourceNaming naming;
  ScanLimits limits;
};

// The SourceTool of a history tool: its registered reader, or one that reads no files and
// compares history rows by version (what an expected version needs).
const SourceTool& source_tool_for(const HistoryTool& tool);

class SourcePairings {
 public:
  SourcePairings() = default;
  // Reads the `sources` array and `source_info_limit` of the history collector's options.
  explicit SourcePairings(CollectorOptions& options);

  // A history table read this poll; `changed` is false when its rows are known to be unchanged
  // since the last call (its applied rows are then served from the cache).
  void observe(PgSession& session, const HistoryTool& tool, const std::string& schema,
               const std::string& table, const Labels& labels, bool changed);
  // This poll's families (empty when nothing is paired).
  std::vector<prometheus::MetricFamily> take();

 private:
  struct Observed {
    std::size_t pairing;
    Labels labels;
    const HistoryTool* tool;
    std::pair<std::string, std::string> table;
  };
  void report(const Observed& observed, class SourceFamilies& families);
  void log_once(const std::string& key, const std::string& message, const Labels& labels,
                const std::string& reason);

  std::vector<SourcePairing> pairings_;
  std::vector<std::vector<SourceScanner>> scanners_;  // per pairing, one per path
  int info_limit_ = 20;
  std::vector<Observed> observed_;
  std::map<std::pair<std::string, std::string>, std::vector<AppliedMigration>> applied_;
  std::set<std::pair<std::string, std::string>> seen_;  // tables observed this poll
  std::set<std::string> logged_;       // problems logged, so each is logged once while it lasts
  std::set<std::string> logged_next_;  // this poll's, replacing logged_ at take()
};

}  // namespace mexp
