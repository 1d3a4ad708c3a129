// Builds the expected-state families (see source_families.h and README's metric table).
#include "sources/source_families.h"

#include <map>

namespace mexp {

SourceFamilies::SourceFamilies()
    : up_(gauge_family("migration_source_up",
                       "Whether the migration sources paired with the history table could be read "
                       "completely (1) or not (0, the reason is logged).")),
      files_(gauge_family("migration_source_files", "Migration files found in the sources.")),
      problem_files_(gauge_family(
          "migration_source_problem_files",
          "Files in the sources the tool would reject or that could not be verified (bad name, "
          "binary, unreadable, too large; each is logged).")),
      pending_(gauge_family("migration_pending",
                            "Migrations in the sources that the history does not show as applied "
                            "(never run, undone, or rolled back with their history row).")),
      mismatch_(gauge_family("migration_checksum_mismatch",
                             "Applied migrations whose file's checksum differs from the one "
                             "recorded (edited after they were applied).")),
      missing_(gauge_family("migration_missing_source",
                            "Applied migrations with no file in the sources (deleted, renamed, or "
                            "the application was rolled back).")),
      outdated_(gauge_family("migration_outdated_repeatable",
                             "Repeatable migrations whose file changed since they last ran.")),
      out_of_order_(gauge_family(
          "migration_out_of_order",
          "Applied migrations that ran after a higher version had already been applied.")),
      future_(gauge_family("migration_future",
                           "Applied versions newer than the newest version in the sources.")),
      unverifiable_(gauge_family(
          "migration_unverifiable",
          "Applied migrations the sources cannot show (Flyway Java migrations): neither "
          "checked nor missing.")),
      newest_(gauge_family("migration_source_newest_version_info",
                           "The newest version in the sources (value is always 1).")),
      expected_(gauge_family("migration_expected_version_reached",
                             "Whether the database has applied the version the deployment "
                             "expects (1) or not yet (0).")),
      info_(gauge_family("migration_source_info",
                         "The pending, drifted, missing, outdated and failed migrations by name, "
                         "up to source_info_limit per table (value is always 1).")),
      info_dropped_(gauge_family("migration_source_info_dropped",
                                 "migration_source_info series left out by source_info_limit.")) {}

void SourceFamilies::add_source_up(const Labels& labels, bool up) {
  add_gauge(up_, labels, up ? 1 : 0);
}

void SourceFamilies::add_comparison(const Labels& labels, const MigrationComparison& comparison,
                                    std::size_t problem_files) {
  add_gauge(files_, labels, static_cast<double>(comparison.source_files));
  add_gauge(problem_files_, labels, static_cast<double>(problem_files));
  const std::pair<prometheus::MetricFamily*, const std::vector<std::string>*> counts[] = {
      {&pending_, &comparison.pending},           {&mismatch_, &comparison.checksum_mismatch},
      {&missing_, &comparison.missing_source},    {&outdated_, &comparison.outdated_repeatable},
      {&out_of_order_, &comparison.out_of_order}, {&future_, &comparison.future}};
  for (const auto& [family, list] : counts) {
    add_gauge(*family, labels, static_cast<double>(list->size()));
  }
  add_gauge(unverifiable_, labels, static_cast<double>(comparison.unverifiable));
  if (comparison.newest_source_version) {
    add_gauge(newest_, with_labels(labels, {{"version", *comparison.newest_source_version}}), 1);
  }
  compared_.push_back(labels);
  // Most urgent first, so a cap keeps what an alert most needs to name.
  const std::pair<const char*, const std::vector<std::string>*> states[] = {
      {"failed", &comparison.unresolved_failures},
      {"checksum_mismatch", &comparison.checksum_mismatch},
      {"pending", &comparison.pending},
      {"missing_source", &comparison.missing_source},
      {"outdated_repeatable", &comparison.outdated_repeatable}};
  for (const auto& [state, list] : states) {
    for (const auto& migration : *list) named_.push_back({labels, state, migration});
  }
}

void SourceFamilies::add_expected(const Labels& labels, const std::string& expected, bool reached) {
  add_gauge(expected_, with_labels(labels, {{"expected_version", expected}}), reached ? 1 : 0);
}

void SourceFamilies::add_info(int limit) {
  std::map<Labels, int> kept;
  std::map<Labels, int> dropped;
  for (const auto& labels : compared_) dropped[labels] = 0;
  for (const auto& named : named_) {
    if (kept[named.labels] < limit) {
      ++kept[named.labels];
      add_gauge(info_,
                with_labels(named.labels, {{"state", named.state}, {"migration", named.migration}}),
                1);
    } else {
      ++dropped[named.labels];
    }
  }
  for (const auto& [labels, count] : dropped) add_gauge(info_dropped_, labels, count);
  named_.clear();
  compared_.clear();
}

std::vector<prometheus::MetricFamily> SourceFamilies::take() {
  return {std::move(up_),           std::move(files_),        std::move(problem_files_),
          std::move(pending_),      std::move(mismatch_),     std::move(missing_),
          std::move(outdated_),     std::move(out_of_order_), std::move(future_),
          std::move(unverifiable_), std::move(newest_),       std::move(expected_),
          std::move(info_),         std::move(info_dropped_)};
}

}  // namespace mexp
