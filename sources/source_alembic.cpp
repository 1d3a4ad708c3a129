// Alembic's versions directory, read as Alembic's ScriptDirectory reads it (sqlalchemy/alembic
// alembic/script/base.py, Script._list_py_dir and _from_path): every `*.py` file directly in the
// directory, except `__init__…` and `.#…` names, is a revision script; its id is the module's
// `revision` (or, in legacy scripts without one, a name of hex digits before `.py`), its parents
// `down_revision` (None, an id, or a tuple of ids for a merge) and `depends_on`. The assignments
// are read from the text, not run: a value that is not a literal (a variable, a call) is reported.
//
// alembic_version holds only the heads. As Alembic's RevisionMap reads them (revision.py,
// _collect_downgrade_revisions: _get_ancestor_nodes(heads, include_dependencies=True)), every
// ancestor of a head, through down_revision and depends_on, is applied; the rest is pending; a head
// or an ancestor with no script is missing. A reference may name a revision by a branch label it
// declares (`depends_on = "reports"`), as RevisionMap._map_branch_labels maps labels to their
// revision. Revision ids have no order: no newest version, future or out-of-order migrations.
#include <map>
#include <set>

#include "sources/source_tool.h"

namespace mexp {
namespace {

// Python tokens enough to read `name[: annotation] = literal` statements at the module's top level.
struct Token {
  enum Kind { name, string, op, newline, end } kind = end;
  std::string text;
  bool line_start = false;  // first token of a line at column 0
};

class PythonTokens {
 public:
  explicit PythonTokens(std::string_view text) : text_(text) {}

  Token next() {
    bool line_start = at_ == 0 || text_[at_ - 1] == '\n';
    while (at_ < text_.size()) {
      const char c = text_[at_];
      if (c == '\n') {
        ++at_;
        if (depth_ == 0) return {Token::newline, "", false};
        continue;
      }
      if (c == '\\' && at_ + 1 < text_.size() && text_[at_ + 1] == '\n') {
        at_ += 2;  // a continued line
        continue;
      }
      if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
        line_start = false;
        ++at_;
        continue;
      }
      if (c == '#') {
        while (at_ < text_.size() && text_[at_] != '\n') ++at_;
        continue;
      }
      if (is_name_start(c)) {
        const auto start = at_;
        while (at_ < text_.size() && is_name_part(text_[at_])) ++at_;
        // A string prefix (r"…", u'…', b"…") belongs to the string that follows.
        if (at_ < text_.size() && (text_[at_] == '"' || text_[at_] == '\'') && at_ - start <= 2)
          return quoted(line_start);
        return {Token::name, std::string(text_.substr(start, at_ - start)), line_start};
      }
      if (c == '"' || c == '\'') return quoted(line_start);
      ++at_;
      if (c == '(' || c == '[' || c == '{') ++depth_;
      if ((c == ')' || c == ']' || c == '}') && depth_ > 0) --depth_;
      return {Token::op, std::string(1, c), line_start};
    }
    return {};
  }

 private:
  static bool is_name_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           static_cast<unsigned char>(c) >= 0x80;
  }
  static bool is_name_part(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

  Token quoted(bool line_start) {
    const char quote = text_[at_];
    const bool triple = text_.substr(at_, 3) == std::string(3, quote);
    at_ += triple ? 3 : 1;
    std::string value;
    while (at_ < text_.size()) {
      const char c = text_[at_];
      if (c == '\\' && at_ + 1 < text_.size()) {
        value += text_[at_ + 1];
        at_ += 2;
        continue;
      }
      if (triple ? text_.substr(at_, 3) == std::string(3, quote) : c == quote) {
        at_ += triple ? 3 : 1;
        return {Token::string, value, line_start};
      }
      if (c == '\n' && !triple) break;  // unterminated: the line ends it
      value += c;
      ++at_;
    }
    return {Token::op, "?", line_start};  // never a literal
  }

  std::string_view text_;
  std::size_t at_ = 0;
  int depth_ = 0;
};

// A top-level assignment's literal: the ids it names (None: none), or nullopt for anything else.
std::optional<std::vector<std::string>> literal(const std::vector<Token>& value) {
  if (value.size() == 1 && value[0].kind == Token::string)
    return std::vector<std::string>{value[0].text};
  if (value.size() == 1 && value[0].kind == Token::name && value[0].text == "None")
    return std::vector<std::string>{};
  if (value.size() < 2 || value.front().kind != Token::op || value.back().kind != Token::op)
    return std::nullopt;
  const std::string open = value.front().text, close = value.back().text;
  if (!((open == "(" && close == ")") || (open == "[" && close == "]"))) return std::nullopt;
  std::vector<std::string> ids;
  bool expect_item = true;
  for (std::size_t i = 1; i + 1 < value.size(); ++i) {
    if (expect_item && value[i].kind == Token::string) {
      ids.push_back(value[i].text);
    } else if (!expect_item && value[i].kind == Token::op && value[i].text == ",") {
    } else {
      return std::nullopt;
    }
    expect_item = !expect_item;
  }
  return ids;
}

struct Assignments {
  std::map<std::string, std::optional<std::vector<std::string>>> values;  // the last one counts
};

Assignments read_assignments(std::string_view content) {
  static const std::set<std::string> kWanted = {"revision", "down_revision", "depends_on",
                                                "branch_labels"};
  Assignments found;
  PythonTokens tokens(content);
  Token token = tokens.next();
  while (token.kind != Token::end) {
    if (!(token.kind == Token::name && token.line_start && kWanted.contains(token.text))) {
      while (token.kind != Token::newline && token.kind != Token::end) token = tokens.next();
      if (token.kind == Token::newline) token = tokens.next();
      continue;
    }
    const std::string target = token.text;
    std::vector<Token> value;
    bool assigned = false;
    int depth = 0;  // in an annotation (Union[str, Sequence[str], None]) a ',' or '=' is not ours
    for (token = tokens.next(); token.kind != Token::newline && token.kind != Token::end;
         token = tokens.next()) {
      if (assigned) {
        value.push_back(token);
      } else if (token.kind == Token::op && (token.text == "[" || token.text == "(")) {
        ++depth;
      } else if (token.kind == Token::op && (token.text == "]" || token.text == ")")) {
        --depth;
      } else if (token.kind == Token::op && token.text == "=" && depth == 0) {
        assigned = true;
      }
    }
    if (assigned) found.values[target] = literal(value);
    if (token.kind == Token::newline) token = tokens.next();
  }
  return found;
}

SourceName parse_alembic(std::string_view relative_path, const SourceNaming&) {
  if (relative_path.find('/') != std::string_view::npos) return {};  // not recursive by default
  if (!relative_path.ends_with(".py") || relative_path.starts_with("__init__") ||
      relative_path.starts_with(".#"))
    return {};
  SourceMigration migration;
  migration.description = std::string(relative_path.substr(0, relative_path.size() - 3));
  return {migration, ""};
}

bool all_hex(std::string_view text) {
  return !text.empty() && text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

SourceName read_alembic(std::string_view content, const SourceMigration& named) {
  const auto assignments = read_assignments(content);
  SourceMigration migration = named;
  const auto revision = assignments.values.find("revision");
  if (revision == assignments.values.end()) {
    // Alembic's legacy fallback: the id from a name of hex digits.
    if (!all_hex(named.description))
      return {std::nullopt, "no `revision = \"…\"` assignment: Alembic cannot load it"};
    migration.identity = named.description;
  } else if (!revision->second || revision->second->size() != 1 ||
             revision->second->front().empty()) {
    return {std::nullopt, "`revision` is not a string literal"};
  } else {
    migration.identity = revision->second->front();
  }
  for (const char* parent : {"down_revision", "depends_on"}) {
    const auto value = assignments.values.find(parent);
    if (value == assignments.values.end()) continue;
    if (!value->second) return {std::nullopt, std::string("`") + parent + "` is not a literal"};
    for (const auto& id : *value->second) migration.parents.push_back(id);
  }
  // Labels only name the revision: one Alembic can still load when they are no literal (a
  // reference to them then stays unresolved, shown as missing).
  if (const auto labels = assignments.values.find("branch_labels");
      labels != assignments.values.end() && labels->second)
    migration.aliases = *labels->second;
  return {migration, ""};
}

std::vector<AppliedMigration> alembic_applied(const std::vector<SourceMigration>& sources,
                                              const std::vector<AppliedMigration>& heads) {
  std::map<std::string, const SourceMigration*> by_id;
  for (const auto& migration : sources) by_id.emplace(migration.identity, &migration);
  // A label never hides a revision id (Alembic refuses a label equal to an id).
  for (const auto& migration : sources)
    for (const auto& label : migration.aliases) by_id.emplace(label, &migration);
  std::vector<std::string> stack;
  for (const auto& head : heads) {
    if (head.version) stack.push_back(*head.version);
  }
  std::set<std::string> applied;
  while (!stack.empty()) {
    const std::string id = std::move(stack.back());
    stack.pop_back();
    if (!applied.insert(id).second) continue;
    if (const auto found = by_id.find(id); found != by_id.end()) {
      for (const auto& parent : found->second->parents) {
        const auto target = by_id.find(parent);
        stack.push_back(target == by_id.end() ? parent : target->second->identity);
      }
    }
  }
  std::vector<AppliedMigration> rows;
  long long ordinal = 0;
  for (const auto& id : applied)
    rows.push_back({"apply", id, "", "", "", std::nullopt, true, ++ordinal});
  return rows;
}

const bool registered = register_source_tool({
    .name = "alembic",
    .checksum = SourceChecksum::none,
    .parse = parse_alembic,
    .read_content = read_alembic,
    .compare_versions = nullptr,
    .applied_sql = "SELECT 'apply', version_num::text, ''::text, ''::text, ''::text, NULL::text, "
                   "true, row_number() OVER (ORDER BY version_num) FROM {table}",
    .expand_history = alembic_applied,
    .duplicate_files = DuplicateFiles::last_wins,
});

}  // namespace
}  // namespace mexp
