// Whether libpq can read a conninfo, told without quoting it: libpq's own parse errors echo the
// offending text, which for a URI is often the password ("invalid percent-encoded token").
#pragma once

#include <map>
#include <optional>
#include <string>

namespace mexp {

// nullopt when `conninfo` parses (key=value string, postgresql:// URI, bare database name or
// empty); otherwise what is wrong, in words that never contain any part of `conninfo`.
std::optional<std::string> conninfo_problem(const std::string& conninfo);

// The settings a conninfo gives (keyword → value, empty values left out; a bare word is dbname),
// or nullopt when it does not parse.
std::optional<std::map<std::string, std::string>> conninfo_settings(const std::string& conninfo);

}  // namespace mexp
