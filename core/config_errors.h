// Configuration errors that name the file, line, column and key, collected so that one run
// reports every mistake in a file rather than the first.
#pragma once

#include <string>
#include <vector>

namespace mexp {

struct ConfigError {
  std::string file;
  int line = 0;  // 0 when the error is not tied to a place in a file (flags, environment)
  int column = 0;
  std::string key;  // dotted path, e.g. targets[1].collectors.history.interval
  std::string message;
  std::string to_string() const;
};

class ConfigErrors {
 public:
  void add(ConfigError error) { errors_.push_back(std::move(error)); }
  bool empty() const { return errors_.empty(); }
  const std::vector<ConfigError>& list() const { return errors_; }
  std::string joined() const;

 private:
  std::vector<ConfigError> errors_;
};

}  // namespace mexp
