// Whether PostgreSQL will accept a `time_zone` setting, decided without a server: --check-config
// must reject "Mars/Olympus" rather than let every connection fail (pg_up 0) at runtime.
#pragma once

#include <optional>
#include <string>

namespace mexp {

inline constexpr const char* kZoneinfoDirectory = "/usr/share/zoneinfo";

// nullopt when PostgreSQL's TimeZone would take `name`: a name of the tz database (looked up
// case-insensitively in `zoneinfo`, as the server does), a POSIX TZ string ("EST5EDT",
// "<+03>-3") or a number of hours. Otherwise what is wrong. Without a readable `zoneinfo`
// directory names cannot be checked and are accepted.
std::optional<std::string> time_zone_problem(const std::string& name,
                                             const std::string& zoneinfo = kZoneinfoDirectory);

}  // namespace mexp
