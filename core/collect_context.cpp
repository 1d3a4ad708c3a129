// Handing a collector's series over in chunks while it collects (CollectContext::emit_when_full).
#include "core/collector.h"

namespace mexp {

void CollectContext::emit_when_full(std::vector<prometheus::MetricFamily>& families) const {
  if (!emit) return;
  std::size_t series = 0;
  for (const auto& family : families) series += family.metric.size();
  if (series < kSeriesPerChunk) return;
  std::vector<prometheus::MetricFamily> chunk;
  chunk.reserve(families.size());
  for (auto& family : families) {
    chunk.push_back({family.name, family.help, family.type, std::move(family.metric)});
    family.metric.clear();  // a moved-from vector is valid but unspecified: make it empty
  }
  emit(std::move(chunk));
}

}  // namespace mexp
