// Liquibase's changelog, read as Liquibase 4.x reads it: the root changelog (XML, YAML or SQL)
// and every file it includes (<include file>, <includeAll path>, either relative to the search
// path or, with relativeToChangelogFile, to the including file), in the order Liquibase runs
// them. A changeset is identified as databasechangelog records it, by its file (its
// logicalFilePath, else the path as Liquibase was given it), id and author, matched as
// RanChangeSet.isSameAs matches them: case-insensitively, paths normalised. runOnChange and
// runAlways changesets are repeatables; a changeset for other databases (dbms) is not run here.
// Checksums: version 9 (Liquibase 4.22+), computed only for changesets made of SQL changes; a
// recorded checksum of another version is not compared.
#include <algorithm>
#include <cctype>
#include <set>

#include "sources/changelog_files.h"
#include "sources/liquibase_changelog.h"
#include "sources/source_tool.h"

namespace mexp {
namespace {

constexpr int kMaxIncludeDepth = 32;

bool ends_with_any(std::string_view path, std::initializer_list<std::string_view> suffixes) {
  for (const auto suffix : suffixes)
    if (path.ends_with(suffix)) return true;
  return false;
}

std::string lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// "file::id::author", the form Liquibase prints a changeset in, lower-cased for matching.
std::string changeset_identity(std::string_view file, std::string_view id,
                               std::string_view author) {
  return lower(liquibase_normalize_path(file) + "::" + std::string(id) +
               "::" + std::string(author));
}

std::string directory_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? "" : path.substr(0, slash + 1);
}

class ChangelogWalk {
 public:
  explicit ChangelogWalk(ChangelogFiles& files) : files_(files) {}
  ChangelogRead run(const std::string& root) {
    read_file(root, 0);
    return std::move(result_);
  }

 private:
  void read_file(const std::string& path, int depth) {
    if (!result_.error.empty()) return;
    if (depth > kMaxIncludeDepth) {
      result_.error = "includes nested deeper than " + std::to_string(kMaxIncludeDepth) + " at " +
                      path + " (an include loop?)";
      return;
    }
    // A file included twice is read once: its changesets have the same identities.
    if (!read_.insert(liquibase_normalize_path(path)).second) return;
    const SourceText text = files_.read(path);
    if (!text.problem.empty()) {
      result_.error = "cannot read changelog " + path + ": " + text.problem;
      return;
    }
    const auto changelog = parse_liquibase_changelog(path, text.content);
    if (!changelog) {
      result_.error = "changelog " + path + " is in a format not read here (XML, YAML, SQL)";
      return;
    }
    if (!changelog->error.empty()) {
      result_.error = "changelog " + path + ": " + changelog->error;
      return;
    }
    for (const auto& problem : changelog->problems) result_.malformed.emplace_back(path, problem);
    const std::string file =
        changelog->logical_file_path.empty() ? path : changelog->logical_file_path;
    for (const auto& item : changelog->items) {
      if (const auto* changeset = std::get_if<LiquibaseChangeSet>(&item)) {
        add(path, file, *changeset);
      } else {
        include(path, std::get<LiquibaseInclude>(item), depth);
      }
    }
  }

  void add(const std::string& path, const std::string& file, const LiquibaseChangeSet& changeset) {
    if (changeset.other_database) return;
    const std::string recorded =
        changeset.logical_file_path.empty() ? file : changeset.logical_file_path;
    ChangelogEntry entry;
    entry.migration.identity = changeset_identity(recorded, changeset.id, changeset.author);
    entry.migration.version = entry.migration.identity;
    entry.migration.description = changeset.id;
    entry.migration.kind = changeset.run_on_change || changeset.run_always ? SourceKind::repeatable
                                                                           : SourceKind::versioned;
    if (!identities_.insert(entry.migration.identity).second) {
      result_.malformed.emplace_back(path, "changeset " + entry.migration.identity +
                                               " is defined twice: Liquibase refuses the "
                                               "changelog");
      return;
    }
    bool any = false;
    for (const auto& valid : changeset.valid_checksums) {
      const std::string value = lower(valid);
      any = any || value == "any" || value == "all" || value == "*" || value == "1:any";
      entry.also_accepted.push_back(valid);
    }
    // runAlways re-runs whatever its checksum; ANY accepts every content.
    if (!changeset.run_always && !any) entry.checksum = changeset.checksum;
    result_.entries.push_back(std::move(entry));
  }

  void include(const std::string& parent, const LiquibaseInclude& include, int depth) {
    std::string target =
        include.relative_to_changelog ? directory_of(parent) + include.path : include.path;
    target = liquibase_normalize_path(target);
    if (!include.all) {
      read_file(target, depth + 1);
      return;
    }
    std::vector<std::string> found;
    list_changelogs(target, found);
    if (found.empty() && result_.error.empty())
      result_.error = "includeAll " + include.path + " found no changelog";
    for (const auto& path : found) read_file(path, depth + 1);
  }

  // Every changelog below `directory`, recursively, in path order (Liquibase's standard
  // comparator); files of other kinds are skipped, as includeAll skips them.
  void list_changelogs(const std::string& directory, std::vector<std::string>& found) {
    std::string problem;
    const std::string prefix = directory.empty() ? "" : directory + "/";
    for (const auto& name : files_.list(directory.empty() ? "." : directory, problem)) {
      if (name.ends_with("/")) {
        list_changelogs(prefix + name.substr(0, name.size() - 1), found);
      } else if (ends_with_any(name, {".xml", ".yaml", ".yml", ".sql", ".json"})) {
        found.push_back(prefix + name);
      }
    }
    if (!problem.empty() && result_.error.empty()) result_.error = problem;
    std::sort(found.begin(), found.end());
  }

  ChangelogFiles& files_;
  ChangelogRead result_;
  std::set<std::string> read_;
  std::set<std::string> identities_;
};

}  // namespace

std::optional<LiquibaseChangelog> parse_liquibase_changelog(std::string_view path,
                                                            std::string_view content) {
  if (path.ends_with(".xml")) return parse_liquibase_xml(content);
  if (ends_with_any(path, {".yaml", ".yml"})) return parse_liquibase_yaml(content);
  if (path.ends_with(".sql")) return parse_liquibase_sql(content);
  return std::nullopt;
}

namespace {

ChangelogRead read_liquibase_changelog(ChangelogFiles& files, const std::string& changelog) {
  return ChangelogWalk(files).run(changelog);
}

const bool registered = register_source_tool({
    .name = "liquibase",
    .checksum = SourceChecksum::none,
    .parse = nullptr,
    .compare_versions = nullptr,  // changelog order, not name order
    // EXECUTED, RERAN and MARK_RAN rows ran (or were marked as run: not pending); FAILED (never
    // persisted by Liquibase itself, but a row a wrapper could write) is a failure; SKIPPED and
    // any other value record nothing. The author goes in `description` (identity_of reads it).
    // Only version-9 checksums are compared.
    .applied_sql = "SELECT CASE WHEN exectype IN ('EXECUTED', 'RERAN', 'MARK_RAN', 'FAILED') THEN "
                   "'apply' ELSE 'marker' END, id::text, author::text, "
                   "exectype::text, filename::text, CASE WHEN md5sum LIKE '9:%' THEN md5sum END, "
                   "exectype <> 'FAILED', orderexecuted::bigint FROM {table}",
    .identity_of =
        [](const AppliedMigration& row) {
          return changeset_identity(row.script, row.version.value_or(""), row.description);
        },
    .read_changelog = read_liquibase_changelog,
    .changelog_names = {"changelog.xml", "changelog.yaml", "changelog.yml", "changelog.sql",
                        "db.changelog-master.xml", "db.changelog-master.yaml",
                        "db.changelog-master.yml", "db.changelog-master.sql"},
});

}  // namespace
}  // namespace mexp
