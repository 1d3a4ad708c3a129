// The check registry, the names of phases and outcomes, and the collector tuning checks ask for.
#include <algorithm>
#include <stdexcept>

#include "core/duration.h"
#include "gate/check.h"

namespace mexp::gate {
namespace {
std::vector<GateCheck>& mutable_registry() {
  static std::vector<GateCheck> registry;
  return registry;
}
}  // namespace

const char* to_string(Phase phase) { return phase == Phase::pre ? "pre" : "post"; }

const char* to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::pass:
      return "pass";
    case Outcome::fail:
      return "fail";
    case Outcome::error:
      return "error";
    case Outcome::skip:
      return "skip";
  }
  return "error";
}

bool register_gate_check(GateCheck check) {
  if (find_gate_check(check.name) != nullptr)
    throw std::logic_error("gate check registered twice: " + check.name);
  auto& registry = mutable_registry();
  registry.push_back(std::move(check));
  std::sort(registry.begin(), registry.end(),
            [](const GateCheck& a, const GateCheck& b) { return a.name < b.name; });
  return true;
}

const std::vector<GateCheck>& gate_checks() { return mutable_registry(); }

const GateCheck* find_gate_check(const std::string& name) {
  for (const auto& check : mutable_registry()) {
    if (check.name == name) return &check;
  }
  return nullptr;
}

toml::table& CollectorTuning::section(const std::string& collector) {
  if (!overrides_.contains(collector)) overrides_.insert(collector, toml::table{});
  return *overrides_.get(collector)->as_table();
}

void CollectorTuning::enable(const std::string& collector) {
  section(collector).insert_or_assign("enabled", true);
}

void CollectorTuning::at_most(const std::string& collector, const std::string& option,
                              std::chrono::milliseconds duration) {
  auto& options = section(collector);
  if (const auto* current = options.get(option); current != nullptr && current->is_string()) {
    const auto parsed = parse_duration(current->as_string()->get());
    if (parsed && *parsed <= duration) return;
  }
  // A duration option takes whole milliseconds at least: never ask for 0.
  options.insert_or_assign(option,
                           format_duration(std::max(duration, std::chrono::milliseconds(1))));
}

void CollectorTuning::at_least(const std::string& collector, const std::string& option,
                               std::int64_t value) {
  auto& options = section(collector);
  if (const auto* current = options.get(option); current != nullptr && current->is_integer()) {
    if (current->as_integer()->get() >= value) return;
  }
  options.insert_or_assign(option, value);
}

}  // namespace mexp::gate
