// Liquibase's XML changelogs, read as XMLChangeLogSAXParser builds them: <changeSet>, <include>
// and <includeAll> under <databaseChangeLog>; a changeset's checksum only when its changes are all
// <sql> (other change types are checksummed from their serialised fields, not reproduced here).
#include <algorithm>
#include <map>

#include "sources/liquibase_changelog.h"

namespace mexp {
namespace {

struct Tag {
  std::string name;  // local name (a namespace prefix removed)
  std::map<std::string, std::string> attributes;
  bool closing = false, self_closing = false;
};

std::string decode_entities(std::string_view text) {
  static const std::map<std::string, std::string, std::less<>> named = {
      {"lt", "<"}, {"gt", ">"}, {"amp", "&"}, {"quot", "\""}, {"apos", "'"}};
  std::string result;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto semicolon = text[i] == '&' ? text.find(';', i) : std::string_view::npos;
    if (semicolon == std::string_view::npos || semicolon - i > 10) {
      result += text[i];
      continue;
    }
    const std::string_view entity = text.substr(i + 1, semicolon - i - 1);
    if (const auto known = named.find(entity); known != named.end()) {
      result += known->second;
    } else if (entity.starts_with("#")) {
      const bool hex = entity.size() > 1 && (entity[1] == 'x' || entity[1] == 'X');
      unsigned long code = 0;
      for (const char c : entity.substr(hex ? 2 : 1)) {
        const int digit = c >= '0' && c <= '9'          ? c - '0'
                          : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
                          : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                        : -1;
        if (digit < 0 || code > 0x10FFFF) break;
        code = code * (hex ? 16 : 10) + static_cast<unsigned long>(digit);
      }
      if (code < 0x80) {
        result += static_cast<char>(code);
      } else if (code < 0x800) {
        result += static_cast<char>(0xC0 | (code >> 6));
        result += static_cast<char>(0x80 | (code & 0x3F));
      } else if (code < 0x10000) {
        result += static_cast<char>(0xE0 | (code >> 12));
        result += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
        result += static_cast<char>(0x80 | (code & 0x3F));
      } else {
        result += static_cast<char>(0xF0 | (code >> 18));
        result += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
        result += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
        result += static_cast<char>(0x80 | (code & 0x3F));
      }
    } else {
      result += text.substr(i, semicolon - i + 1);
    }
    i = semicolon;
  }
  return result;
}

// A tag from the text between its '<' and '>' (not a comment, CDATA or declaration).
Tag read_tag(std::string_view body) {
  Tag tag;
  std::size_t i = 0;
  if (i < body.size() && body[i] == '/') {
    tag.closing = true;
    ++i;
  }
  const auto name_end = body.find_first_of(" \t\r\n/>", i);
  tag.name = std::string(body.substr(i, name_end - i));
  if (const auto colon = tag.name.find(':'); colon != std::string::npos)
    tag.name.erase(0, colon + 1);
  i = name_end;
  while (i < body.size()) {
    i = body.find_first_not_of(" \t\r\n", i);
    if (i == std::string_view::npos) break;
    if (body[i] == '/') {
      tag.self_closing = true;
      ++i;
      continue;
    }
    const auto equals = body.find('=', i);
    if (equals == std::string_view::npos) break;
    std::string key(body.substr(i, body.find_first_of(" \t\r\n=", i) - i));
    if (const auto colon = key.find(':'); colon != std::string::npos) key.erase(0, colon + 1);
    const auto quote = body.find_first_of("\"'", equals);
    if (quote == std::string_view::npos) break;
    const auto close = body.find(body[quote], quote + 1);
    if (close == std::string_view::npos) break;
    tag.attributes[key] = decode_entities(body.substr(quote + 1, close - quote - 1));
    i = close + 1;
  }
  return tag;
}

bool is_true(const std::map<std::string, std::string>& attributes, const std::string& key) {
  const auto found = attributes.find(key);
  return found != attributes.end() && (found->second == "true" || found->second == "TRUE");
}

std::string value_of(const std::map<std::string, std::string>& attributes, const std::string& key) {
  const auto found = attributes.find(key);
  return found == attributes.end() ? "" : found->second;
}

}  // namespace

LiquibaseChangelog parse_liquibase_xml(std::string_view content) {
  LiquibaseChangelog changelog;
  std::vector<std::string> open;  // element names from the root down
  std::optional<LiquibaseChangeSet> changeset;
  std::vector<std::string> statements;
  bool checksummable = true;
  std::string text;  // character data of the innermost element
  std::size_t at = 0;
  while (at < content.size()) {
    const auto lt = content.find('<', at);
    if (lt == std::string_view::npos) break;
    text += decode_entities(content.substr(at, lt - at));
    if (content.substr(lt, 4) == "<!--") {
      const auto end = content.find("-->", lt + 4);
      at = end == std::string_view::npos ? content.size() : end + 3;
      continue;
    }
    if (content.substr(lt, 9) == "<![CDATA[") {
      const auto end = content.find("]]>", lt + 9);
      if (end == std::string_view::npos) break;
      text += content.substr(lt + 9, end - lt - 9);
      at = end + 3;
      continue;
    }
    const auto gt = content.find('>', lt);
    if (gt == std::string_view::npos) {
      changelog.error = "an unterminated tag: Liquibase cannot parse it";
      return changelog;
    }
    at = gt + 1;
    if (content[lt + 1] == '?' || content[lt + 1] == '!') continue;
    const Tag tag = read_tag(content.substr(lt + 1, gt - lt - 1));
    const std::size_t depth = open.size();  // of the element this tag opens or closes
    if (tag.closing) {
      if (open.empty() || open.back() != tag.name) {
        changelog.error = "</" + tag.name + "> closes no open element: Liquibase cannot parse it";
        return changelog;
      }
      open.pop_back();
      if (changeset && open.size() == 2 && tag.name == "sql") statements.push_back(text);
      if (changeset && open.size() == 1 && tag.name == "changeSet") {
        if (checksummable) changeset->checksum = liquibase_sql_checksum(statements);
        changelog.items.emplace_back(std::move(*changeset));
        changeset.reset();
      }
      if (changeset && open.size() == 2 && tag.name == "validCheckSum") {
        const auto first = text.find_first_not_of(" \t\r\n");
        if (first != std::string::npos)
          changeset->valid_checksums.push_back(
              text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1));
      }
      text.clear();
      continue;
    }
    text.clear();
    if (depth == 0 && tag.name == "databaseChangeLog") {
      changelog.logical_file_path = value_of(tag.attributes, "logicalFilePath");
    } else if (depth == 1 && tag.name == "changeSet") {
      changeset =
          LiquibaseChangeSet{value_of(tag.attributes, "id"),
                             value_of(tag.attributes, "author"),
                             value_of(tag.attributes, "logicalFilePath"),
                             is_true(tag.attributes, "runOnChange"),
                             is_true(tag.attributes, "runAlways"),
                             liquibase_excludes_postgresql(value_of(tag.attributes, "dbms")),
                             std::nullopt,
                             {}};
      statements.clear();
      checksummable = true;
      if (changeset->id.empty() || changeset->author.empty()) {
        changelog.problems.push_back("<changeSet> without id or author");
        checksummable = false;
      }
    } else if (depth == 1 && (tag.name == "include" || tag.name == "includeAll")) {
      const bool all = tag.name == "includeAll";
      changelog.items.emplace_back(
          LiquibaseInclude{value_of(tag.attributes, all ? "path" : "file"),
                           is_true(tag.attributes, "relativeToChangelogFile"), all});
    } else if (changeset && depth == 2) {
      // Changes that are not <sql> (or an <sql> for some databases only, or a modifySql visitor)
      // enter the checksum in a form not reproduced here.
      static const std::vector<std::string> neutral = {"comment", "rollback", "preConditions",
                                                       "validCheckSum"};
      const bool is_neutral = std::find(neutral.begin(), neutral.end(), tag.name) != neutral.end();
      if (!is_neutral && (tag.name != "sql" || tag.attributes.contains("dbms")))
        checksummable = false;
    }
    if (!tag.self_closing) {
      open.push_back(tag.name);
    } else if (changeset && depth == 2 && tag.name == "sql") {
      statements.emplace_back();
    }
  }
  if (!open.empty()) changelog.error = "<" + open.back() + "> is never closed";
  return changelog;
}

}  // namespace mexp
