// Check unvalidated_constraint (post): every constraint the migration added NOT VALID was
// validated: until then existing rows are not checked against it.
#include "gate/checks/schema_objects.h"

namespace mexp::gate {
namespace {

const bool registered = register_gate_check({
    .name = "unvalidated_constraint",
    .description = "No unvalidated constraint: every constraint added NOT VALID was validated "
                   "since (pg_schema_unvalidated_constraints).",
    .phases = {Phase::post},
    .collectors = {"schema_health"},
    .limit_kind = LimitKind::count,
    .default_limit = "0",
    .limit_meaning = "constraints allowed to stay NOT VALID",
    .tune = nullptr,
    .evaluate =
        [](const CheckInput& input) {
          return judge_schema_objects(
              input, "pg_schema_unvalidated_constraints", "pg_schema_unvalidated_constraint_info",
              "unvalidated constraint(s)", [](const Series& constraint) {
                return "constraint " + constraint.label("conname") + " on " +
                       constraint.label("schemaname") + "." + constraint.label("relname") +
                       " is NOT VALID (ALTER TABLE ... VALIDATE CONSTRAINT)";
              });
        },
});

}  // namespace
}  // namespace mexp::gate
