// Check pending (post): the deploy applied every migration the application ships: no paired
// history table has migrations in its sources that the history does not show as applied.
#include "gate/checks/source_state.h"

namespace mexp::gate {
namespace {

const bool registered = register_gate_check({
    .name = "pending",
    .description = "Nothing pending: every migration in the paired sources is applied "
                   "(migration_pending; skipped without [collectors.history] sources).",
    .phases = {Phase::post},
    .collectors = {"history"},
    .limit_kind = LimitKind::count,
    .default_limit = "0",
    .limit_meaning = "migrations allowed to be pending",
    .tune = nullptr,
    .evaluate =
        [](const CheckInput& input) {
          return judge_source_state(input, "migration_pending", "pending", "pending");
        },
});

}  // namespace
}  // namespace mexp::gate
