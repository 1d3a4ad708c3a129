// Merging, serialising and publishing the snapshot.
#include "exporter/snapshot.h"

#include <prometheus/text_serializer.h>

#include <algorithm>
#include <sstream>

#include "exporter/gzip.h"

namespace mexp {

std::vector<prometheus::MetricFamily> merge_families(
    std::vector<prometheus::MetricFamily> families) {
  std::map<std::string, prometheus::MetricFamily> by_name;
  for (auto& family : families) {
    auto [it, inserted] = by_name.try_emplace(family.name);
    if (inserted) {
      it->second = std::move(family);
    } else {
      auto& metrics = it->second.metric;
      metrics.insert(metrics.end(), std::make_move_iterator(family.metric.begin()),
                     std::make_move_iterator(family.metric.end()));
    }
  }
  std::vector<prometheus::MetricFamily> merged;
  merged.reserve(by_name.size());
  for (auto& [name, family] : by_name) {
    // A family whose collector produced no series this poll is left out entirely: HELP/TYPE
    // without samples only adds noise.
    if (!family.metric.empty()) merged.push_back(std::move(family));
  }
  return merged;
}

std::string serialize_text(const std::vector<prometheus::MetricFamily>& families) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return std::move(out).str();
}

SnapshotStore::SnapshotStore(Source self_metrics) : self_metrics_(std::move(self_metrics)) {
  std::lock_guard lock(mutex_);
  rebuild_locked();
}

void SnapshotStore::publish(const std::string& target,
                            std::vector<prometheus::MetricFamily> families) {
  std::lock_guard lock(mutex_);
  targets_[target] = std::move(families);
  rebuild_locked();
}

void SnapshotStore::remove(const std::string& target) {
  std::lock_guard lock(mutex_);
  targets_.erase(target);
  rebuild_locked();
}

void SnapshotStore::rebuild_locked() {
  std::vector<prometheus::MetricFamily> all =
      self_metrics_ ? self_metrics_() : std::vector<prometheus::MetricFamily>{};
  for (const auto& [target, families] : targets_)
    all.insert(all.end(), families.begin(), families.end());
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->text = serialize_text(merge_families(std::move(all)));
  snapshot->gzip = gzip_compress(snapshot->text);
  snapshot->created = std::chrono::system_clock::now();
  current_.store(std::move(snapshot));
}

}  // namespace mexp
