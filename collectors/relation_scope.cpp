// Turns the pattern lists of a collector's options into the anchored regular expressions its
// statement filters with, so filtering happens in the database (no size is measured, and no row
// is sent, for a relation the user excluded).
#include "collectors/relation_scope.h"

#include "collectors/pattern_syntax.h"

namespace mexp {
namespace {

// Patterns match the whole name, as a user writing "public" or "audit_.*" expects.
std::optional<std::string> anchored_alternation(const std::vector<std::string>& patterns) {
  if (patterns.empty()) return std::nullopt;
  std::string joined;
  for (const auto& pattern : patterns) {
    if (!joined.empty()) joined += "|";
    joined += "(?:" + pattern + ")";
  }
  return "^(?:" + joined + ")$";
}

std::vector<std::string> read_patterns(CollectorOptions& options, std::string_view key) {
  auto patterns = options.get_strings(key, {});
  for (const auto& pattern : patterns) {
    if (pattern.empty()) {
      options.error(std::string(key), "patterns must not be empty");
    } else if (auto problem = pattern_problem(pattern)) {
      options.error(std::string(key), "invalid regular expression '" + pattern + "': " + *problem);
    }
  }
  return patterns;
}

}  // namespace

RelationScope read_relation_scope(CollectorOptions& options, std::string_view limit_key,
                                  std::int64_t default_limit) {
  RelationScope scope;
  scope.include_schemas = anchored_alternation(read_patterns(options, "include_schemas"));
  scope.exclude_schemas = anchored_alternation(read_patterns(options, "exclude_schemas"));
  scope.include_tables = anchored_alternation(read_patterns(options, "include_tables"));
  scope.exclude_tables = anchored_alternation(read_patterns(options, "exclude_tables"));
  scope.limit = options.get_int(limit_key, default_limit, 0, 1'000'000);
  return scope;
}

std::optional<std::string> read_name_patterns(CollectorOptions& options, std::string_view key) {
  return anchored_alternation(read_patterns(options, key));
}

QueryParams relation_scope_params(const RelationScope& scope) {
  return {scope.include_schemas, scope.exclude_schemas, scope.include_tables, scope.exclude_tables,
          std::to_string(scope.limit)};
}

}  // namespace mexp
