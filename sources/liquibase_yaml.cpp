// Liquibase's YAML changelogs in the block style its documentation and generator write:
// `databaseChangeLog:` holding `- changeSet:`, `- include:` and `- includeAll:` items whose keys
// (id, author, file, path, ...) sit one level below. No checksum is computed for YAML changesets.
#include <algorithm>

#include "sources/liquibase_changelog.h"

namespace mexp {
namespace {

std::size_t indent_of(std::string_view line) {
  return std::min(line.find_first_not_of(' '), line.size());
}

std::string scalar(std::string_view value) {
  const auto first = value.find_first_not_of(" \t");
  if (first == std::string_view::npos) return "";
  value = value.substr(first, value.find_last_not_of(" \t\r") - first + 1);
  if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
      value.back() == value.front())
    return std::string(value.substr(1, value.size() - 2));
  // A plain scalar ends at " #" (a comment).
  const auto comment = value.find(" #");
  return std::string(value.substr(0, comment == std::string_view::npos ? value.size() : comment));
}

bool is_true(const std::string& value) { return value == "true" || value == "True"; }

}  // namespace

LiquibaseChangelog parse_liquibase_yaml(std::string_view content) {
  LiquibaseChangelog changelog;
  enum class Block { none, changeset, include, include_all, other } block = Block::none;
  std::size_t item_indent = 0, key_indent = 0;
  LiquibaseChangeSet changeset;
  LiquibaseInclude include;
  const auto finish = [&] {
    if (block == Block::changeset) {
      if (changeset.id.empty() || changeset.author.empty())
        changelog.problems.push_back("a changeSet without id or author");
      else
        changelog.items.emplace_back(changeset);
    } else if (block == Block::include || block == Block::include_all) {
      changelog.items.emplace_back(include);
    }
    block = Block::none;
  };
  std::size_t start = 0;
  while (start < content.size()) {
    auto end = content.find('\n', start);
    if (end == std::string_view::npos) end = content.size();
    std::string_view line = content.substr(start, end - start);
    start = end + 1;
    const std::size_t indent = indent_of(line);
    const std::string_view text = line.substr(indent);
    if (text.empty() || text.front() == '#' || text.front() == '\r') continue;
    if (text.starts_with("- ") && (block == Block::none || indent <= item_indent)) {
      finish();
      const std::string_view item = text.substr(2);
      const auto colon = item.find(':');
      const std::string key(item.substr(0, colon));
      item_indent = indent;
      key_indent = 0;
      if (key == "changeSet") {
        block = Block::changeset;
        changeset = LiquibaseChangeSet{};
      } else if (key == "include" || key == "includeAll") {
        block = key == "include" ? Block::include : Block::include_all;
        include = LiquibaseInclude{"", false, key == "includeAll"};
      } else if (key == "logicalFilePath" && colon != std::string_view::npos) {
        changelog.logical_file_path = scalar(item.substr(colon + 1));
        block = Block::other;
      } else {
        block = Block::other;  // property, preConditions, ...
      }
      if (colon != std::string_view::npos &&
          (block == Block::changeset || block == Block::include || block == Block::include_all) &&
          scalar(item.substr(colon + 1)).starts_with("{"))
        changelog.problems.push_back("a " + key + " in flow style {...}: not read here");
      continue;
    }
    if (block == Block::none || block == Block::other || indent <= item_indent) continue;
    if (key_indent == 0) key_indent = indent;
    if (indent != key_indent) continue;  // deeper: changes, rollback, ...
    const auto colon = text.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string key(text.substr(0, colon));
    const std::string value = scalar(text.substr(colon + 1));
    if (block == Block::changeset) {
      if (key == "id") changeset.id = value;
      if (key == "author") changeset.author = value;
      if (key == "logicalFilePath") changeset.logical_file_path = value;
      if (key == "runOnChange") changeset.run_on_change = is_true(value);
      if (key == "runAlways") changeset.run_always = is_true(value);
      if (key == "dbms") changeset.other_database = liquibase_excludes_postgresql(value);
    } else if ((block == Block::include && key == "file") ||
               (block == Block::include_all && key == "path")) {
      include.path = value;
    } else if (key == "relativeToChangelogFile") {
      include.relative_to_changelog = is_true(value);
    }
  }
  finish();
  return changelog;
}

}  // namespace mexp
