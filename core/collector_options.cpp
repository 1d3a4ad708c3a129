// Typed, position-aware reads of one collector's options.
#include "core/collector_options.h"

#include "core/duration.h"

namespace mexp {

CollectorOptions::CollectorOptions(const toml::table* global, const toml::table* target_override,
                                   std::string global_path, std::string override_path,
                                   std::string file, ConfigErrors& errors)
    : global_(global),
      override_(target_override),
      global_path_(std::move(global_path)),
      override_path_(std::move(override_path)),
      file_(std::move(file)),
      errors_(errors) {}

const toml::node* CollectorOptions::find(std::string_view key) {
  read_.emplace(key);
  if (override_ != nullptr) {
    if (const auto* node = override_->get(key)) {
      from_override_.emplace(key);
      return node;
    }
  }
  if (global_ != nullptr) {
    if (const auto* node = global_->get(key)) return node;
  }
  return nullptr;
}

const std::string& CollectorOptions::path_of(const std::string& key) const {
  // "tables[1].tool" belongs to wherever "tables" was read from.
  const std::string option = key.substr(0, key.find_first_of(".["));
  return from_override_.contains(option) ? override_path_ : global_path_;
}

void CollectorOptions::error_at(const toml::node& node, const std::string& key,
                                const std::string& message) {
  const auto& begin = node.source().begin;
  errors_.add({file_, static_cast<int>(begin.line), static_cast<int>(begin.column),
               path_of(key) + "." + key, message});
}

void CollectorOptions::error(const std::string& key, const std::string& message) {
  errors_.add({file_, 0, 0, path_of(key) + "." + key, message});
}

bool CollectorOptions::get_bool(std::string_view key, bool fallback) {
  const auto* node = find(key);
  if (node == nullptr) return fallback;
  if (auto value = node->value<bool>(); value && node->is_boolean()) return *value;
  error_at(*node, std::string(key), "must be true or false");
  return fallback;
}

std::int64_t CollectorOptions::get_int(std::string_view key, std::int64_t fallback,
                                       std::int64_t min, std::int64_t max) {
  const auto* node = find(key);
  if (node == nullptr) return fallback;
  if (!node->is_integer()) {
    error_at(*node, std::string(key), "must be an integer");
    return fallback;
  }
  const auto value = *node->value<std::int64_t>();
  if (value < min || value > max) {
    error_at(*node, std::string(key),
             "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " +
                 std::to_string(value));
    return fallback;
  }
  return value;
}

std::string CollectorOptions::get_string(std::string_view key, std::string fallback) {
  const auto* node = find(key);
  if (node == nullptr) return fallback;
  if (!node->is_string()) {
    error_at(*node, std::string(key), "must be a string");
    return fallback;
  }
  return *node->value<std::string>();
}

std::vector<std::string> CollectorOptions::get_strings(std::string_view key,
                                                       std::vector<std::string> fallback) {
  const auto* node = find(key);
  if (node == nullptr) return fallback;
  const auto* array = node->as_array();
  if (array == nullptr) {
    error_at(*node, std::string(key), "must be an array of strings");
    return fallback;
  }
  std::vector<std::string> values;
  for (const auto& element : *array) {
    if (!element.is_string()) {
      error_at(element, std::string(key), "must be an array of strings");
      return fallback;
    }
    values.push_back(*element.value<std::string>());
  }
  return values;
}

std::chrono::milliseconds CollectorOptions::get_duration(std::string_view key,
                                                         std::chrono::milliseconds fallback) {
  const auto* node = find(key);
  if (node == nullptr) return fallback;
  if (node->is_string()) {
    if (auto parsed = parse_duration(*node->value<std::string>())) return *parsed;
  }
  error_at(*node, std::string(key),
           "must be a duration string such as \"500ms\", \"15s\" or \"1m\"");
  return fallback;
}

const toml::node* CollectorOptions::get_node(std::string_view key) { return find(key); }

void CollectorOptions::report_unknown_keys() {
  for (const auto* table : {global_, override_}) {
    if (table == nullptr) continue;
    const auto& path = table == global_ ? global_path_ : override_path_;
    for (const auto& [key, node] : *table) {
      if (read_.contains(key.str())) continue;
      const auto& begin = key.source().begin;
      errors_.add({file_, static_cast<int>(begin.line), static_cast<int>(begin.column),
                   path + "." + std::string(key.str()), "unknown key"});
    }
  }
}

}  // namespace mexp
