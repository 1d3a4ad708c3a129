// The collector registry: collectors add themselves by name; nothing else lists them.
#include <algorithm>
#include <stdexcept>

#include "core/collector.h"

namespace mexp {
namespace {
std::vector<CollectorInfo>& mutable_registry() {
  static std::vector<CollectorInfo> registry;
  return registry;
}
}  // namespace

bool register_collector(CollectorInfo info) {
  auto& registry = mutable_registry();
  if (find_collector(info.name) != nullptr) {
    throw std::logic_error("collector registered twice: " + info.name);
  }
  registry.push_back(std::move(info));
  std::sort(registry.begin(), registry.end(),
            [](const CollectorInfo& a, const CollectorInfo& b) { return a.name < b.name; });
  return true;
}

const std::vector<CollectorInfo>& registered_collectors() { return mutable_registry(); }

const CollectorInfo* find_collector(const std::string& name) {
  for (const auto& info : mutable_registry()) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

}  // namespace mexp
