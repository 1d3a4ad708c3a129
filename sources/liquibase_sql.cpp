// Liquibase's SQL changelogs (AbstractFormattedChangeLogParser and SqlChangeLogParser of 4.28),
// its version-9 checksum of SQL changes, and its path normalisation.
#include <cctype>

#include "sources/checksums.h"
#include "sources/liquibase_changelog.h"

namespace mexp {
namespace {

std::string lower(std::string_view text) {
  std::string result(text);
  for (auto& c : result) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return result;
}

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

// A line's text after "--" and the spaces Liquibase allows before the keyword, lower-cased; empty
// when the line is no "--" comment.
std::string directive_of(std::string_view line) {
  line = trim(line);
  if (!line.starts_with("--")) return "";
  line.remove_prefix(2);
  return lower(trim(line));
}

// "key:value" on a changeset line (runOnChange:true, logicalFilePath:x, dbms:postgresql).
std::string attribute(std::string_view line, std::string_view key) {
  const std::string text = lower(line);
  const auto at = text.find(lower(key) + ":");
  if (at == std::string::npos ||
      (at > 0 && !std::isspace(static_cast<unsigned char>(text[at - 1]))))
    return "";
  const auto start = at + key.size() + 1;
  const auto end = line.find_first_of(" \t", start);
  return std::string(line.substr(start, end == std::string_view::npos ? end : end - start));
}

std::string strip_quotes(std::string_view text) {
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"')
    text = text.substr(1, text.size() - 2);
  return std::string(text);
}

}  // namespace

bool liquibase_excludes_postgresql(std::string_view dbms) {
  if (dbms.empty()) return false;
  const std::string list = lower(dbms);
  if (list.find("!postgresql") != std::string::npos) return true;
  return list.find("postgresql") == std::string::npos && list.find("all") == std::string::npos;
}

std::string liquibase_sql_checksum(const std::vector<std::string>& statements) {
  std::string joined;
  for (const auto& sql : statements) {
    std::string compact;
    for (char c : sql)
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n') compact += c;
    joined += "9:" + md5_hex(compact) + ":";
  }
  return "9:" + md5_hex(joined);
}

std::string liquibase_normalize_path(std::string_view path) {
  if (path.starts_with("classpath:")) path.remove_prefix(10);
  std::string text(path);
  for (auto& c : text)
    if (c == '\\') c = '/';
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto slash = text.find('/', start);
    if (slash == std::string::npos) slash = text.size();
    const std::string part = text.substr(start, slash - start);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    start = slash + 1;
  }
  std::string result;
  for (const auto& part : parts) result += (result.empty() ? "" : "/") + part;
  return result;
}

LiquibaseChangelog parse_liquibase_sql(std::string_view content) {
  LiquibaseChangelog changelog;
  const auto first_newline = content.find('\n');
  const std::string first = directive_of(content.substr(0, first_newline));
  if (!first.starts_with("liquibase") || first.find("formatted") == std::string::npos) {
    // SqlChangeLogParser: the whole file is one changeset; Liquibase refuses an empty one.
    if (trim(content).empty()) {
      changelog.error = "an empty SQL changelog: Liquibase cannot parse it";
      return changelog;
    }
    LiquibaseChangeSet raw{"raw", "includeAll", "", false, false, false, std::nullopt, {}};
    raw.checksum = liquibase_sql_checksum({std::string(content)});
    changelog.items.emplace_back(std::move(raw));
    return changelog;
  }
  changelog.logical_file_path = attribute(content.substr(0, first_newline), "logicalFilePath");
  LiquibaseChangeSet* current = nullptr;
  std::string sql;
  bool in_rollback_block = false, expands = false;
  const auto finish = [&] {
    if (current == nullptr) return;
    // ${...} is expanded from changelog parameters the sources do not show: not computable.
    if (!expands) current->checksum = liquibase_sql_checksum({sql});
    sql.clear();
    expands = false;
  };
  std::size_t start = 0;
  int number = 0;
  while (start < content.size()) {
    auto end = content.find('\n', start);
    if (end == std::string_view::npos) end = content.size();
    std::string_view line = content.substr(start, end - start);
    start = end + 1;
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (in_rollback_block) {
      in_rollback_block = trim(line).find("*/") == std::string_view::npos;
      continue;
    }
    const std::string directive = directive_of(line);
    if (directive.starts_with("changeset")) {
      finish();
      const std::string_view rest = trim(trim(line).substr(2));
      const std::string_view spec = trim(rest.substr(9));
      const auto colon = spec.find(':');
      const auto id_end = spec.find_first_of(" \t", colon == std::string_view::npos ? 0 : colon);
      if (colon == std::string_view::npos || colon == 0 || colon + 1 >= spec.size() ||
          spec[colon + 1] == ' ') {
        changelog.problems.push_back("line " + std::to_string(number) +
                                     ": not --changeset <author>:<id>");
        current = nullptr;
        continue;
      }
      LiquibaseChangeSet changeset;
      changeset.author = strip_quotes(spec.substr(0, colon));
      changeset.id = strip_quotes(
          spec.substr(colon + 1, id_end == std::string_view::npos ? id_end : id_end - colon - 1));
      changeset.logical_file_path = attribute(line, "logicalFilePath");
      changeset.run_on_change = lower(attribute(line, "runOnChange")) == "true";
      changeset.run_always = lower(attribute(line, "runAlways")) == "true";
      changeset.other_database = liquibase_excludes_postgresql(attribute(line, "dbms"));
      changelog.items.emplace_back(std::move(changeset));
      current = &std::get<LiquibaseChangeSet>(changelog.items.back());
      continue;
    }
    if (current == nullptr) continue;  // before the first changeset: properties, comments
    if (directive.starts_with("validchecksum:") || directive.starts_with("validchecksum ")) {
      const auto checksum = trim(std::string_view(directive).substr(14));
      current->valid_checksums.push_back(checksum == "any" ? "ANY" : std::string(checksum));
    } else if (directive.starts_with("rollback ") || directive.starts_with("comment ") ||
               directive.starts_with("comment:") || directive.starts_with("preconditions") ||
               directive.starts_with("precondition-")) {
      // Not part of the changeset's SQL.
    } else if (const auto text = trim(line); text.starts_with("/*") &&
                                             lower(text).find("liquibase") != std::string::npos &&
                                             lower(text).find("rollback") != std::string::npos) {
      in_rollback_block = text.find("*/") == std::string_view::npos;
    } else {
      if (line.find("${") != std::string_view::npos) expands = true;
      sql += std::string(line) + "\n";
    }
  }
  finish();
  return changelog;
}

}  // namespace mexp
