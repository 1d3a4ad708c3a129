// Check checksum_drift (post): no applied migration's file was edited after it ran (the tool's
// next validate would refuse to migrate, and the schema is not what the file now says).
#include "gate/checks/source_state.h"

namespace mexp::gate {
namespace {

const bool registered = register_gate_check({
    .name = "checksum_drift",
    .description = "No checksum drift: no applied migration's file differs from the checksum "
                   "recorded (migration_checksum_mismatch; skipped without sources).",
    .phases = {Phase::post},
    .collectors = {"history"},
    .limit_kind = LimitKind::count,
    .default_limit = "0",
    .limit_meaning = "applied migrations allowed to differ from their file",
    .tune = nullptr,
    .evaluate =
        [](const CheckInput& input) {
          return judge_source_state(input, "migration_checksum_mismatch", "checksum_mismatch",
                                    "drifted");
        },
});

}  // namespace
}  // namespace mexp::gate
