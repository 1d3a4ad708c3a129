// "${NAME}" references in configuration values (DSNs), replaced by environment variables.
#pragma once

#include <optional>
#include <string>

namespace mexp {

// "${NAME}" is replaced by the environment variable NAME ("$$" is a literal "$"). Returns nullopt
// and sets `problem` when a reference is unterminated, not a variable name, or names a variable
// that is not set. `problem` never quotes the text: in a DSN, what follows a stray "${" is usually
// the rest of a password.
std::optional<std::string> expand_environment(const std::string& text, std::string& problem);

}  // namespace mexp
