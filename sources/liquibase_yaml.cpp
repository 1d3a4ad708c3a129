// Liquibase's YAML changelogs in the block style its documentation and generator write:
// `databaseChangeLog:` holding `- changeSet:`, `- include:` and `- includeAll:` items whose keys
// (id, author, file, path, ...) sit one level below. A changeset made only of `- sql:` changes
// gets Liquibase's version-9 checksum, as for XML <sql>: the value of each change's `sql` key
// (plain, quoted or block scalar; its whitespace does not count) is all it depends on.
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

// A scalar value that may span lines (a change's `sql`), collected as the lines come. Only the
// characters that are not whitespace must come out right: Liquibase's checksum drops the rest.
class MultilineScalar {
 public:
  // `value`: the text after "key:"; `key_indent`: the key's column (continuation lines are deeper).
  void start(std::string_view value, std::size_t key_indent) {
    key_indent_ = key_indent;
    text_.clear();
    exact_ = true;
    const auto first = value.find_first_not_of(" \t");
    value = first == std::string_view::npos ? std::string_view{} : value.substr(first);
    if (!value.empty() && value.back() == '\r') value.remove_suffix(1);
    if (value.starts_with("|") || value.starts_with(">")) {
      style_ = Style::block;  // the indicator's line holds nothing else but a comment
    } else if (value.starts_with("\"") || value.starts_with("'")) {
      style_ = value.front() == '"' ? Style::double_quoted : Style::single_quoted;
      quoted(value.substr(1));
    } else {
      style_ = Style::plain;
      plain(value);
    }
  }
  bool open() const { return style_ != Style::none; }
  // Whether the line continues the value (consumed) or follows it (the value is complete).
  bool take(std::string_view line, std::size_t indent) {
    const bool blank = line.find_first_not_of(" \t\r") == std::string_view::npos;
    if (style_ == Style::double_quoted || style_ == Style::single_quoted) {
      quoted(line);
      return true;
    }
    if (!blank && indent <= key_indent_) {
      style_ = Style::none;
      return false;
    }
    if (style_ == Style::block) {
      text_ += std::string(line) + "\n";
    } else if (!blank) {
      plain(line);
    }
    return true;
  }
  // The value, or nullopt when it uses what is not reproduced here (\u escapes, an unclosed quote).
  std::optional<std::string> finish() {
    const bool closed = style_ != Style::double_quoted && style_ != Style::single_quoted;
    style_ = Style::none;
    if (!closed || !exact_) return std::nullopt;
    return text_;
  }

 private:
  enum class Style { none, plain, block, double_quoted, single_quoted };
  void plain(std::string_view line) {
    if (line.starts_with("#")) return;  // a comment line
    text_ += std::string(line.substr(0, line.find(" #"))) + " ";
  }
  void quoted(std::string_view line) {
    for (std::size_t i = 0; i < line.size(); ++i) {
      const char c = line[i];
      if (style_ == Style::single_quoted && c == '\'') {
        if (i + 1 < line.size() && line[i + 1] == '\'') {
          text_ += '\'';
          ++i;
          continue;
        }
        style_ = Style::none;
        return;
      }
      if (style_ == Style::double_quoted && c == '"') {
        style_ = Style::none;
        return;
      }
      if (style_ == Style::double_quoted && c == '\\') {
        if (i + 1 >= line.size() || line[i + 1] == '\r') break;  // an escaped line break
        const char escaped = line[++i];
        if (escaped == '\\' || escaped == '"' || escaped == '/') {
          text_ += escaped;
        } else if (escaped != 't' && escaped != 'n' && escaped != 'r' && escaped != ' ') {
          exact_ = false;  // \x, \u, \0, ...: not decoded here
        }
        continue;
      }
      text_ += c;
    }
    text_ += ' ';  // a line break folds to a space
  }
  Style style_ = Style::none;
  std::size_t key_indent_ = 0;
  std::string text_;
  bool exact_ = true;
};

}  // namespace

LiquibaseChangelog parse_liquibase_yaml(std::string_view content) {
  LiquibaseChangelog changelog;
  enum class Block { none, changeset, include, include_all, other } block = Block::none;
  std::size_t item_indent = 0, key_indent = 0;
  LiquibaseChangeSet changeset;
  LiquibaseInclude include;
  // The changeset's `changes:` list: the SQL of its `- sql:` changes, while all are such.
  std::vector<std::string> statements;
  bool checksummable = true, in_changes = false, in_sql_change = false, in_valid = false;
  std::size_t change_indent = 0, change_key_indent = 0;
  MultilineScalar sql_value;
  const auto finish_sql_value = [&] {
    const auto value = sql_value.finish();
    // ${...} is expanded from changelog parameters the sources do not show.
    if (!value || value->find("${") != std::string::npos || statements.empty())
      checksummable = false;
    else
      statements.back() = *value;
  };
  const auto finish = [&] {
    if (sql_value.open()) finish_sql_value();
    if (block == Block::changeset && checksummable && !statements.empty())
      changeset.checksum = liquibase_sql_checksum(statements);
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
  // One line below `changes:`: a change (`- sql:`, `- createTable:`, ...) or one of its keys.
  const auto read_change_line = [&](std::string_view text, std::size_t indent) {
    if (text.starts_with("- ") && (change_indent == 0 || indent <= change_indent)) {
      change_indent = indent;
      change_key_indent = 0;
      const std::string_view item = text.substr(2);
      const auto colon = item.find(':');
      in_sql_change = colon != std::string_view::npos && item.substr(0, colon) == "sql" &&
                      scalar(item.substr(colon + 1)).empty();
      if (in_sql_change)
        statements.emplace_back();
      else
        checksummable = false;  // another change type: its fields are checksummed, not read here
      return;
    }
    if (!in_sql_change || indent <= change_indent) return;
    if (change_key_indent == 0) change_key_indent = indent;
    if (indent != change_key_indent) return;
    const auto colon = text.find(':');
    if (colon == std::string_view::npos) return;
    const std::string_view key = text.substr(0, colon);
    if (key == "sql") {
      sql_value.start(text.substr(colon + 1), indent);
      if (!sql_value.open()) finish_sql_value();
    } else if (key != "splitStatements" && key != "stripComments" && key != "endDelimiter") {
      checksummable = false;  // dbms (as for XML), comment, ...: not known to leave it unchanged
    }
  };
  std::size_t start = 0;
  while (start < content.size()) {
    auto end = content.find('\n', start);
    if (end == std::string_view::npos) end = content.size();
    std::string_view line = content.substr(start, end - start);
    start = end + 1;
    const std::size_t indent = indent_of(line);
    const std::string_view text = line.substr(indent);
    if (sql_value.open()) {
      const bool continued = sql_value.take(text, indent);
      if (!continued || !sql_value.open()) finish_sql_value();  // ended here, or by a quote
      if (continued) continue;
    }
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
        statements.clear();
        checksummable = true;
        in_changes = in_sql_change = in_valid = false;
        change_indent = 0;
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
    if (block == Block::changeset && in_changes &&
        (indent > key_indent || text.starts_with("- "))) {
      read_change_line(text, indent);
      continue;
    }
    if (block == Block::changeset && in_valid && indent > key_indent && text.starts_with("- ")) {
      changeset.valid_checksums.push_back(scalar(text.substr(2)));
      continue;
    }
    if (indent != key_indent) continue;  // deeper: rollback, preConditions, ...
    const auto colon = text.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string key(text.substr(0, colon));
    const std::string value = scalar(text.substr(colon + 1));
    if (block == Block::changeset) {
      in_changes = key == "changes";
      if (in_changes && !value.empty()) checksummable = false;  // a flow list: not read here
      in_valid = key == "validCheckSum" && value.empty();
      if (key == "validCheckSum" && !value.empty()) changeset.valid_checksums.push_back(value);
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
