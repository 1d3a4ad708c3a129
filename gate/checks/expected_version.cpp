// Check expected_version (post): the migration landed: a history table's current version is the
// one the deploy expected (--expect-version), or a later one. Skipped when none is given.
#include <cctype>
#include <optional>
#include <sstream>

#include "gate/check.h"

namespace mexp::gate {
namespace {

// "1.10.2" → {1, 10, 2}; nullopt when a part is not a number (versions that are names).
std::optional<std::vector<long long>> dotted_numbers(const std::string& version) {
  std::vector<long long> parts;
  std::stringstream stream(version);
  std::string part;
  while (std::getline(stream, part, '.')) {
    if (part.empty() || part.size() > 18) return std::nullopt;
    for (char c : part) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    }
    parts.push_back(std::stoll(part));
  }
  while (!parts.empty() && parts.back() == 0) parts.pop_back();  // "1.0" is "1", as in history
  return parts;
}

// The same version, or one that orders after it ("1.10" reached "1.9"); names compare as equal.
bool reached(const std::string& current, const std::string& expected) {
  if (current == expected) return true;
  const auto have = dotted_numbers(current), want = dotted_numbers(expected);
  return have && want && *have >= *want;
}

Verdict evaluate(const CheckInput& input) {
  Verdict verdict;
  if (!input.limit.set) {
    verdict.outcome = Outcome::skip;
    verdict.observed = "no expected version given (--expect-version)";
    return verdict;
  }
  bool any_reached = false, unreadable = false;
  std::string seen;
  for (const auto& up :
       input.families.series("migration_history_up", {{"datname", input.datname}})) {
    if (up.value < 1) {
      unreadable = true;
      continue;
    }
    std::string version = "no applied version";
    for (const auto& current : input.families.series("migration_current_version_info", up.labels))
      version = current.label("version");
    any_reached = any_reached || reached(version, input.limit.text);
    seen += std::string(seen.empty() ? "" : "; ") + history_table_of(up) + " at " + version;
  }
  verdict.observed = seen.empty() ? "no history table found" : seen;
  if (!any_reached) verdict.outcome = unreadable ? Outcome::error : Outcome::fail;
  return verdict;
}

const bool registered = register_gate_check({
    .name = "expected_version",
    .description = "The expected version is reached: a history table's current version is "
                   "--expect-version or later (migration_current_version_info).",
    .phases = {Phase::post},
    .collectors = {"history"},
    .limit_kind = LimitKind::text,
    .default_limit = "",
    .limit_meaning = "the version the deploy applies",
    .tune = nullptr,
    .evaluate = evaluate,
});

}  // namespace
}  // namespace mexp::gate
