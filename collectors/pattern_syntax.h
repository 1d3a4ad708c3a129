// A client-side syntax check of PostgreSQL regular expressions (AREs), for the pattern options
// (include_tables, exclude_schemas, ...): the statement runs them on the server, where a broken
// pattern fails every poll; checked at load, --check-config and a reload reject it instead.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mexp {

// nullopt when the pattern is well formed as far as this check goes: balanced parentheses and
// brackets, known character classes and escapes, quantifiers with something to repeat, bounds
// within 0..255 and in order. Otherwise what is wrong. The server stays the authority for what
// this check cannot see; the tests compare both on every construct it covers.
std::optional<std::string> pattern_problem(std::string_view pattern);

}  // namespace mexp
