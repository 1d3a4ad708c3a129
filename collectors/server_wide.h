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

// postgres_exporter 0.11 (Debian bookworm's prometheus-postgres-exporter) labels its built-in
// families (pg_locks_count, pg_stat_activity_*) with server="<host>:<port>" taken from the DSN,
// defaulting to localhost and 5432. We compute it the same way, with libpq's PGHOST/PGPORT as the
// fallback when the DSN does not name them, so dashboards that select on `server` keep working.
std::string postgres_exporter_server(const std::string& conninfo);

}  // namespace mexp
