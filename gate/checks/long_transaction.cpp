// Check long_transaction (pre): no transaction has been open longer than the limit. An ALTER TABLE
// queues behind any transaction that touched its table, and every query then queues behind it.
#include "gate/checks/sessions.h"

namespace mexp::gate {
namespace {

const bool registered = register_gate_check({
    .name = "long_transaction",
    .description = "No transaction (active or idle) open longer than the limit: DDL would queue "
                   "behind it. Names each session's pid, user, application, age and tables.",
    .phases = {Phase::pre},
    .collectors = {"activity"},
    .limit_kind = LimitKind::duration,
    .default_limit = "5m",
    .limit_meaning = "oldest open transaction",
    .tune = name_sessions_older_than,
    .evaluate =
        [](const CheckInput& input) {
          return judge_sessions(input, input.limit, [](const std::string&) { return true; });
        },
});

}  // namespace
}  // namespace mexp::gate
