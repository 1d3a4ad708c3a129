// One attempt of the deploy gate: for each target, connect (or keep the connection), run the
// collectors the selected checks read once, through the same registry code the daemon polls with,
// and judge every check on the families they returned.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "exporter/config.h"
#include "gate/settings.h"

namespace mexp::gate {

struct CheckResult {
  std::string check;
  std::string description;
  std::string target;
  std::string datname;
  Outcome outcome = Outcome::pass;
  std::string observed;
  std::string limit;  // as configured, "" when none
  std::vector<std::string> details;
  double seconds = 0;  // collecting and judging this target, this attempt
};

// 0 every check passed (or was skipped), 1 one failed, 2 none failed but one could not be judged.
int exit_code_of(const std::vector<CheckResult>& results);

// The checks of this phase the settings leave enabled, sorted by name.
std::vector<const GateCheck*> selected_checks(const GateSettings& settings);
// Collector options to lay over the configuration: the collectors those checks read switched on,
// and tuned to see what the checks judge.
toml::table collector_overrides(const GateSettings& settings);

class GateRun {
 public:
  // `config` was loaded with collector_overrides(settings); `targets` holds its targets to check.
  GateRun(const GateSettings& settings, Config config);
  ~GateRun();
  GateRun(const GateRun&) = delete;
  GateRun& operator=(const GateRun&) = delete;

  std::vector<CheckResult> attempt();

 private:
  struct Target;
  std::vector<CheckResult> attempt_target(Target& target);

  const GateSettings& settings_;
  bool label_targets_;
  std::vector<const GateCheck*> checks_;
  std::vector<std::unique_ptr<Target>> targets_;
};

}  // namespace mexp::gate
