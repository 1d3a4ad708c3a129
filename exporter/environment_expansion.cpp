// expand_environment: a single pass over the text; problems are told by position, not by content.
#include "exporter/environment_expansion.h"

#include <cctype>
#include <cstdlib>

namespace mexp {
namespace {

bool is_variable_name(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

std::string ordinal_reference(int index) {
  return "the ${...} reference number " + std::to_string(index);
}

}  // namespace

std::optional<std::string> expand_environment(const std::string& text, std::string& problem) {
  constexpr const char* kEscapeHint = " (write a literal '$' as '$$')";
  std::string result;
  int references = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '$') {
      result += '$';
      ++i;
    } else if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '{') {
      ++references;
      const auto end = text.find('}', i + 2);
      if (end == std::string::npos) {
        problem = ordinal_reference(references) + " has no closing '}'" + kEscapeHint;
        return std::nullopt;
      }
      const std::string name = text.substr(i + 2, end - i - 2);
      if (!is_variable_name(name)) {
        problem =
            ordinal_reference(references) + " is not an environment variable name" + kEscapeHint;
        return std::nullopt;
      }
      const char* value = std::getenv(name.c_str());
      if (value == nullptr) {
        // The name is not echoed either: a password such as "a${b}c" would put "b" in the log.
        problem = ordinal_reference(references) + " names an environment variable that is not set";
        return std::nullopt;
      }
      result += value;
      i = end;
    } else {
      result += text[i];
    }
  }
  return result;
}

}  // namespace mexp
