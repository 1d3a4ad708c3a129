// Check invalid_index (post): the migration left no invalid index behind (a CREATE INDEX
// CONCURRENTLY that failed or was cancelled): it slows every write and serves no read.
#include "gate/checks/schema_objects.h"

namespace mexp::gate {
namespace {

const bool registered = register_gate_check({
    .name = "invalid_index",
    .description = "No invalid index: no failed or cancelled CREATE INDEX CONCURRENTLY left one "
                   "behind (pg_schema_invalid_indexes).",
    .phases = {Phase::post},
    .collectors = {"schema_health"},
    .limit_kind = LimitKind::count,
    .default_limit = "0",
    .limit_meaning = "invalid indexes allowed",
    .tune = nullptr,
    .evaluate =
        [](const CheckInput& input) {
          return judge_schema_objects(
              input, "pg_schema_invalid_indexes", "pg_schema_invalid_index_info",
              "invalid index(es)", [](const Series& index) {
                return "index " + index.label("schemaname") + "." + index.label("indexrelname") +
                       " on " + index.label("relname") + " is invalid (drop it and build it again)";
              });
        },
});

}  // namespace
}  // namespace mexp::gate
