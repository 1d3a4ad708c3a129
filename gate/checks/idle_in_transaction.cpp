// Check idle_in_transaction (pre): no session sits idle inside a transaction open longer than the
// limit (an application that forgot to commit holds its locks until it does).
#include "gate/checks/sessions.h"

namespace mexp::gate {
namespace {

const bool registered = register_gate_check({
    .name = "idle_in_transaction",
    .description = "No session idle in a transaction open longer than the limit (it holds its "
                   "locks until it commits). Names each session and the tables it locks.",
    .phases = {Phase::pre},
    .collectors = {"activity"},
    .limit_kind = LimitKind::duration,
    .default_limit = "30s",
    .limit_meaning = "oldest idle-in-transaction session's transaction",
    .tune = name_sessions_older_than,
    .evaluate =
        [](const CheckInput& input) {
          return judge_sessions(input, input.limit, [](const std::string& state) {
            return state.rfind("idle in transaction", 0) == 0;
          });
        },
});

}  // namespace
}  // namespace mexp::gate
