// Rails (ActiveRecord)'s schema_migrations, described for the history collector.
//
// One row per applied migration holding only its version (a timestamp string): no applied time,
// no duration, no failures (a failed migration's insert rolls back with it). Down deletes the
// row: seen as the current version moving back. dbmate writes a table of the same shape and name;
// Rails is recognised by its ar_internal_metadata beside it.
#include "collectors/history_tools.h"

namespace mexp {
namespace {

const bool registered = register_history_tool({
    .name = "rails",
    .table_names = {"schema_migrations"},
    .required_columns = {"version character varying"},
    .companion_tables = {"ar_internal_metadata"},
    .normalized_sql = history_version_list_sql("version"),
    .records_history = true,
    .records_duration = false,
    .records_failures = false,
    .orders_versions = true,
});

}  // namespace
}  // namespace mexp
