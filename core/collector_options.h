// A collector's own config section ([collectors.<name>] merged under [targets.collectors.<name>]),
// read key by key. Every key a collector reads is marked; keys nobody read are unknown-key errors.
#pragma once

#include <toml++/toml.h>

#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "core/config_errors.h"

namespace mexp {

class CollectorOptions {
 public:
  // Either table may be null. The paths are the dotted key prefixes of each table in messages.
  CollectorOptions(const toml::table* global, const toml::table* target_override,
                   std::string global_path, std::string override_path, std::string file,
                   ConfigErrors& errors);

  bool get_bool(std::string_view key, bool fallback);
  std::int64_t get_int(std::string_view key, std::int64_t fallback, std::int64_t min,
                       std::int64_t max);
  std::string get_string(std::string_view key, std::string fallback);
  std::vector<std::string> get_strings(std::string_view key, std::vector<std::string> fallback);
  std::chrono::milliseconds get_duration(std::string_view key, std::chrono::milliseconds fallback);
  // For structured options (lists of tables): the raw node, or null. The caller reports its own
  // errors with error_at().
  const toml::node* get_node(std::string_view key);

  void error_at(const toml::node& node, const std::string& key, const std::string& message);
  void error(const std::string& key, const std::string& message);
  // Reports every key present in either table that no get_*() call read.
  void report_unknown_keys();

 private:
  const toml::node* find(std::string_view key);
  // The dotted prefix of the table an option (or a part of one) was read from.
  const std::string& path_of(const std::string& key) const;

  const toml::table* global_;
  const toml::table* override_;
  std::string global_path_;
  std::string override_path_;
  std::string file_;
  ConfigErrors& errors_;
  std::set<std::string, std::less<>> read_;
  std::set<std::string, std::less<>> from_override_;
};

}  // namespace mexp
