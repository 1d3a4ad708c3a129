// Derives the conninfo for another database on the same server from a target's conninfo, so a
// collector that visits several databases connects with exactly the target's settings.
#pragma once

#include <string>

namespace mexp {

// `conninfo` may be a key=value string, a postgresql:// URI, a bare database name or empty (libpq's
// PG* environment). The result is a key=value string with every setting of `conninfo` and
// dbname=`dbname`; the password, if the conninfo carries one, stays in it (callers redact as for
// the original).
std::string conninfo_for_database(const std::string& conninfo, const std::string& dbname);

}  // namespace mexp
