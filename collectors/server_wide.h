// Helpers for collectors whose rows cover every database of the server (pg_locks,
// pg_stat_activity): the labels of a row that belongs to another database, and the `server` label
// postgres_exporter puts on the families we share with it.
#pragma once

#include <string>
#include <string_view>

#include "core/metric_builder.h"
#include "core/pg_session.h"

namespace mexp {

// `base` with its datname replaced by the database the row belongs to (other base labels, such as
// `target`, are kept).
Labels for_database(const Labels& base, std::string_view datname);

// `base` without datname: the labels of a family that describes the whole server (pg_settings_*,
// pg_stat_bgwriter_*), which postgres_exporter exports without labels (`target` is kept).
Labels server_labels(const Labels& base);

// postgres_exporter labels its legacy built-in families (every one in 0.11; in today's releases
// only pg_stat_database_conflicts_*) with server="<host>:<port>" taken from the DSN, defaulting to
// localhost and 5432. We compute it the same way, with libpq's PGHOST/PGPORT as the fallback when
// the DSN does not name them.
std::string postgres_exporter_server(const std::string& conninfo);

}  // namespace mexp
