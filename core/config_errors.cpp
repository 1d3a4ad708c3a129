// Formatting of configuration errors: "file:line:column: key: message".
#include "core/config_errors.h"

namespace mexp {

std::string ConfigError::to_string() const {
  std::string text = file.empty() ? std::string("<flags>") : file;
  // Appended piece by piece: GCC 12's -Wrestrict misfires on `":" + std::to_string(...)` at -O3.
  if (line > 0) {
    text += ':';
    text += std::to_string(line);
    text += ':';
    text += std::to_string(column);
  }
  text += ": ";
  if (!key.empty()) {
    text += "key '";
    text += key;
    text += "': ";
  }
  text += message;
  return text;
}

std::string ConfigErrors::joined() const {
  std::string text;
  for (const auto& error : errors_) {
    text += error.to_string();
    text += '\n';
  }
  return text;
}

}  // namespace mexp
