// The deploy gate's checks: the interface each check implements and the registry checks add
// themselves to (one file per check in gate/checks/, nothing else lists them).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "gate/families.h"
#include "gate/limit.h"

namespace mexp::gate {

enum class Phase { pre, post };
enum class Outcome { pass, fail, error, skip };

const char* to_string(Phase phase);
const char* to_string(Outcome outcome);

// What a check judges: every family the collectors it reads returned this attempt, for one target.
struct CheckInput {
  const FamilyView& families;
  const std::string& datname;  // the target's database: the one the migration runs in
  const Limit& limit;
  Phase phase;
};

struct Verdict {
  Outcome outcome = Outcome::pass;
  std::string observed;              // one line: what was seen ("2 sessions, oldest 4m12s")
  std::vector<std::string> details;  // one line per offending object (a session, a slot, …)
};

// Collector options a check needs to see what it judges (the activity collector names only
// transactions older than its threshold): collector name → option → value, as [collectors] in TOML.
class CollectorTuning {
 public:
  explicit CollectorTuning(toml::table& overrides) : overrides_(overrides) {}
  // Runs the collector for the gate even when the configuration switches it off for the daemon.
  void enable(const std::string& collector);
  // Sets `option` to `duration` unless it is already set lower by another check.
  void at_most(const std::string& collector, const std::string& option,
               std::chrono::milliseconds duration);
  void at_least(const std::string& collector, const std::string& option, std::int64_t value);

 private:
  toml::table& section(const std::string& collector);
  toml::table& overrides_;
};

struct GateCheck {
  std::string name;         // [check.<name>], --check.<name>.limit, the report's check column
  std::string description;  // one line, for --help and README
  std::vector<Phase> phases;
  // The collectors whose families it reads: run (and switched on) for this attempt.
  std::vector<std::string> collectors;
  LimitKind limit_kind = LimitKind::count;
  std::string default_limit;  // "" = none: the check is skipped until a limit is given
  std::string limit_meaning;  // for --help: what the limit bounds ("largest lag, WAL bytes")
  std::function<void(const Limit&, CollectorTuning&)> tune;  // optional
  std::function<Verdict(const CheckInput&)> evaluate;
};

// Called from a static initialiser in each check's file.
bool register_gate_check(GateCheck check);
const std::vector<GateCheck>& gate_checks();  // sorted by name
const GateCheck* find_gate_check(const std::string& name);

}  // namespace mexp::gate
