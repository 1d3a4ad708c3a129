// One Liquibase changelog file read as Liquibase 4.x parses it (XML, YAML, formatted or raw SQL):
// its changesets and includes in document order, and each changeset's checksum where it can be
// computed exactly (changesets made only of SQL changes; see liquibase_sql_checksum).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace mexp {

struct LiquibaseChangeSet {
  std::string id, author;
  std::string logical_file_path;  // the changeset's own logicalFilePath; empty: the file's
  bool run_on_change = false;
  bool run_always = false;
  bool other_database = false;          // its dbms excludes PostgreSQL: Liquibase skips it here
  std::optional<std::string> checksum;  // "9:<md5>" when computable
  std::vector<std::string> valid_checksums;  // validCheckSum values ("ANY" accepts every file)
};

struct LiquibaseInclude {
  std::string path;
  bool relative_to_changelog = false;
  bool all = false;  // includeAll: every changelog below the directory, in path order
};

struct LiquibaseChangelog {
  std::string logical_file_path;  // the file's logicalFilePath; empty: its path
  std::vector<std::variant<LiquibaseChangeSet, LiquibaseInclude>> items;
  std::vector<std::string> problems;  // "line N: why": entries Liquibase would reject
  std::string error;                  // non-empty: Liquibase could not parse the file at all
};

// By the file's extension (.xml, .yaml/.yml, .sql); nullopt for a format not read here (.json),
// or a file includeAll would skip.
std::optional<LiquibaseChangelog> parse_liquibase_changelog(std::string_view path,
                                                            std::string_view content);
LiquibaseChangelog parse_liquibase_xml(std::string_view content);
LiquibaseChangelog parse_liquibase_yaml(std::string_view content);
// A formatted SQL changelog (first line `--liquibase formatted sql`), or a raw SQL file: one
// changeset `raw` by `includeAll` holding the whole file.
LiquibaseChangelog parse_liquibase_sql(std::string_view content);

// Liquibase's checksum version 9 of a changeset made of these SQL changes: per change, the MD5
// hex of its SQL with every space, tab, CR and LF removed (AbstractSQLChange.NormalizingStream),
// as "9:<hex>"; the changeset's is the MD5 of those joined, each followed by ':'
// (ChangeSet.generateCheckSum).
std::string liquibase_sql_checksum(const std::vector<std::string>& statements);

// Whether a changeset's dbms list ("postgresql,h2", "!postgresql", "all") leaves PostgreSQL out.
bool liquibase_excludes_postgresql(std::string_view dbms);

// DatabaseChangeLog.normalizePath: "classpath:" and a leading '/' removed, '\' as '/', "." and
// ".." segments resolved.
std::string liquibase_normalize_path(std::string_view path);

}  // namespace mexp
