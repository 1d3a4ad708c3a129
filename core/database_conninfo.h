// Visiting the other databases of a target's server: which ones can be visited, and the conninfo
// that connects to one with exactly the target's settings (collectors visiting several databases,
// and auto-discovery).
#pragma once

#include <string>
#include <string_view>

namespace mexp {

// The other databases of the server that accept connections, by name: templates and databases that
// refuse connections are left out, as connecting to them would fail on every poll.
inline constexpr std::string_view kOtherDatabasesSql = R"SQL(
SELECT datname FROM pg_database
WHERE datallowconn AND NOT datistemplate AND datname <> current_database()
ORDER BY datname)SQL";

// `conninfo` may be a key=value string, a postgresql:// URI, a bare database name or empty (libpq's
// PG* environment). The result is a key=value string with every setting of `conninfo` and
// dbname=`dbname`; the password, if the conninfo carries one, stays in it (callers redact as for
// the original).
std::string conninfo_for_database(const std::string& conninfo, const std::string& dbname);

}  // namespace mexp
