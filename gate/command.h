// `migration_exporter check`: the deploy gate's entry point (main() hands it the arguments after
// the word `check`).
#pragma once

#include <string>
#include <vector>

namespace mexp::gate {

inline constexpr int kExitPassed = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitNotEvaluated = 2;

int run_check_command(const std::vector<std::string>& args);

}  // namespace mexp::gate
