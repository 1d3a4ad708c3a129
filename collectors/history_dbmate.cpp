// dbmate's schema_migrations, described for the history collector.
//
// One row per applied migration holding only its version (the file's numeric prefix): no applied
// time, no duration, no failures (the insert is part of the migration's transaction). Down
// deletes the row: seen as the current version moving back. Rails writes the same shape (and is
// recognised by ar_internal_metadata beside it); golang-migrate's has a bigint version and dirty.
#include "collectors/history_tools.h"

namespace mexp {
namespace {

const bool registered = register_history_tool({
    .name = "dbmate",
    .table_names = {"schema_migrations"},
    .required_columns = {"version character varying"},
    .companion_tables = {},
    .normalized_sql = history_version_list_sql("version"),
    .records_history = true,
    .records_duration = false,
    .records_failures = false,
    .orders_versions = true,
});

}  // namespace
}  // namespace mexp
