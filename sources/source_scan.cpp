// Walks a migration source and keeps each file's digest while its size and mtime stay the same.
#include "sources/source_scan.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include "sources/checksums.h"
#include "sources/source_text.h"

namespace mexp {
namespace {

std::string base_name(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Two files that are the same migration (of one kind: Flyway's V1 and U1 are not): the one the
// tool would use is compared (see DuplicateFiles) and every other is reported as malformed, rather
// than silently hidden behind it. The files are sorted by path, the order every tool loads them.
void report_duplicates(SourceSnapshot& snapshot, const SourceTool& tool) {
  const bool last_wins = tool.duplicate_files == DuplicateFiles::last_wins;
  struct Used {
    std::size_t index;  // of the file compared
    std::string path;
  };
  std::map<std::pair<SourceKind, std::string>, Used> used;
  for (std::size_t i = 0; i < snapshot.files.size(); ++i) {
    const auto& file = snapshot.files[i];
    const auto [at, inserted] =
        used.try_emplace({file.migration.kind, file.migration.identity}, Used{i, file.path});
    if (!inserted && last_wins) at->second = {i, file.path};
  }
  const std::string because = last_wins
                                  ? tool.name + " uses only the last file of a migration, by name"
                                  : tool.name + " refuses two files for one migration";
  std::vector<SourceFile> kept;
  for (std::size_t i = 0; i < snapshot.files.size(); ++i) {
    auto& file = snapshot.files[i];
    const Used& winner = used.at({file.migration.kind, file.migration.identity});
    if (winner.index == i) {
      kept.push_back(std::move(file));
    } else {
      snapshot.malformed.emplace_back(file.path, "the same migration (" + file.migration.identity +
                                                     ") as " + winner.path + ": " + because);
    }
  }
  snapshot.files = std::move(kept);
}

}  // namespace

struct SourceScanner::Walk {
  struct Chained {
    std::string relative, full_path;
    std::uintmax_t size = 0;
    std::int64_t mtime_ns = 0;
  };
  const SourceTool& tool;
  const SourceNaming& naming;
  SourceSnapshot snapshot;
  std::map<std::string, Digest> digests;  // this scan's, replacing the scanner's at the end
  std::map<std::string, Named> named;
  std::set<std::pair<dev_t, ino_t>> directories;
  std::size_t entries = 0;
  std::vector<Chained> chained;  // migration files of a tool with chained checksums
};

SourceSnapshot SourceScanner::scan(const std::string& root, const SourceTool& tool,
                                   const SourceNaming& naming) {
  Walk walk{tool, naming, {}, {}, {}, {}, 0, {}};
  struct stat info {};
  if (tool.read_changelog) {
    read_changelog(walk, root);
  } else if (!tool.plan_file.empty()) {
    read_plan(walk, root);
  } else if (::stat(root.c_str(), &info) != 0) {
    walk.snapshot.error = "cannot read source " + root + ": " + std::strerror(errno);
  } else if (S_ISDIR(info.st_mode)) {
    walk.directories.emplace(info.st_dev, info.st_ino);
    walk_directory(walk, root, "", 0);
    if (walk.snapshot.error.empty() && tool.chain_checksums) apply_chain(walk, root);
  } else if (S_ISREG(info.st_mode)) {
    visit_file(walk, root, base_name(root), static_cast<std::uintmax_t>(info.st_size),
               mtime_ns_of(info));
    if (tool.chain_checksums) apply_chain(walk, "");
  } else {
    walk.snapshot.error = "source " + root + " is neither a directory nor a regular file";
  }
  walk.snapshot.up = walk.snapshot.error.empty();
  std::stable_sort(walk.snapshot.files.begin(), walk.snapshot.files.end(),
                   [](const SourceFile& a, const SourceFile& b) { return a.path < b.path; });
  if (!tool.read_changelog && tool.plan_file.empty()) report_duplicates(walk.snapshot, tool);
  std::sort(walk.snapshot.malformed.begin(), walk.snapshot.malformed.end());
  // Files gone from the source leave the cache; on a failed walk the old digests stay for the next.
  if (walk.snapshot.up) {
    digests_ = std::move(walk.digests);
    named_ = std::move(walk.named);
  }
  return std::move(walk.snapshot);
}

void SourceScanner::read_plan(Walk& walk, const std::string& root) {
  struct stat info {};
  std::string path = root;
  if (::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) {
    path = root + "/" + walk.tool.plan_file;
  }
  if (::stat(path.c_str(), &info) != 0) {
    walk.snapshot.error = "cannot read plan " + path + ": " + std::strerror(errno);
    return;
  }
  if (!S_ISREG(info.st_mode)) {
    walk.snapshot.error = "plan " + path + " is not a regular file";
    return;
  }
  const auto size = static_cast<std::uintmax_t>(info.st_size);
  auto cached = digests_.find(walk.tool.plan_file);
  if (cached == digests_.end() || cached->second.size != size ||
      cached->second.mtime_ns != mtime_ns_of(info)) {
    ++walk.snapshot.files_hashed;
    Digest digest{size, mtime_ns_of(info), std::nullopt, "", {}, {}, {}, std::nullopt, ""};
    std::string content;
    struct stat after {};
    if (size > limits_.max_file_bytes) {
      digest.problem = "larger than max_file_bytes";
    } else {
      digest.problem = read_source_file(path, size, content, after);
    }
    if (digest.problem.empty()) digest.problem = text_content_problem(content);
    if (!digest.problem.empty()) {
      walk.snapshot.error = "cannot read plan " + path + ": " + digest.problem;
      return;
    }
    digest.planned = walk.tool.read_plan(content, digest.plan_problems);
    cached = digests_.insert_or_assign(walk.tool.plan_file, std::move(digest)).first;
  }
  if (cached->second.planned.size() > limits_.max_files) {
    walk.snapshot.error = "more than " + std::to_string(limits_.max_files) + " changes in the plan";
    return;
  }
  walk.digests.insert(*cached);
  for (const auto& migration : cached->second.planned)
    walk.snapshot.files.push_back({walk.tool.plan_file, migration, std::nullopt, "", {}});
  for (const auto& problem : cached->second.plan_problems)
    walk.snapshot.malformed.emplace_back(walk.tool.plan_file, problem);
}

void SourceScanner::read_changelog(Walk& walk, const std::string& root) {
  struct stat info {};
  if (::stat(root.c_str(), &info) != 0) {
    walk.snapshot.error = "cannot read source " + root + ": " + std::strerror(errno);
    return;
  }
  // The search path Liquibase resolves changelog paths against, and the root changelog in it.
  std::string search_path = root, changelog = walk.naming.changelog_file;
  if (!S_ISDIR(info.st_mode)) {
    if (!changelog.empty()) {
      walk.snapshot.error =
          "with changelog_file set, the source " + root + " must be the directory it is below";
      return;
    }
    const auto slash = root.find_last_of('/');
    search_path = slash == std::string::npos ? "." : root.substr(0, slash);
    changelog = root.substr(slash == std::string::npos ? 0 : slash + 1);
  } else if (changelog.empty()) {
    for (const auto& name : walk.tool.changelog_names) {
      if (::stat((root + "/" + name).c_str(), &info) == 0 && S_ISREG(info.st_mode)) {
        changelog = name;
        break;
      }
    }
    if (changelog.empty()) {
      walk.snapshot.error =
          "no root changelog in " + root + " (set changelog_file, as given to Liquibase)";
      return;
    }
  }
  if (!changelog_ || changelog_->search_path != search_path || changelog_->changelog != changelog ||
      !changelog_->files->unchanged()) {
    auto files =
        std::make_shared<ChangelogFiles>(search_path, limits_.max_file_bytes, limits_.max_files);
    ChangelogRead read = walk.tool.read_changelog(*files, changelog);
    walk.snapshot.files_hashed += files->files_read();
    changelog_ = ChangelogCache{search_path, changelog, std::move(files), std::move(read)};
  }
  const ChangelogRead& read = changelog_->read;
  if (!read.error.empty()) {
    walk.snapshot.error = read.error;
    return;
  }
  if (read.entries.size() > limits_.max_files) {
    walk.snapshot.error =
        "more than " + std::to_string(limits_.max_files) + " changesets in the changelog";
    return;
  }
  // Every changeset under the root's name keeps them in changelog order through the path sort.
  for (const auto& entry : read.entries)
    walk.snapshot.files.push_back(
        {changelog, entry.migration, entry.checksum, "", entry.also_accepted});
  walk.snapshot.malformed.insert(walk.snapshot.malformed.end(), read.malformed.begin(),
                                 read.malformed.end());
}

// Chained checksums cover every file before the one they belong to, so one changed file (or one
// added, removed, or an edited integrity file) means reading them all again; an unchanged source
// reads none.
void SourceScanner::apply_chain(Walk& walk, const std::string& directory) {
  std::sort(walk.chained.begin(), walk.chained.end(),
            [](const auto& a, const auto& b) { return a.relative < b.relative; });
  std::vector<ChainStamp> stamps;
  for (const auto& file : walk.chained) stamps.push_back({file.relative, file.size, file.mtime_ns});
  std::string integrity_path;
  struct stat info {};
  if (!directory.empty() && !walk.tool.integrity_file.empty() &&
      ::stat((directory + "/" + walk.tool.integrity_file).c_str(), &info) == 0 &&
      S_ISREG(info.st_mode)) {
    integrity_path = directory + "/" + walk.tool.integrity_file;
    // A path no migration can have ('\n'): the integrity file's own stamp.
    stamps.push_back({"\n" + walk.tool.integrity_file, static_cast<std::uintmax_t>(info.st_size),
                      mtime_ns_of(info)});
  }
  if (!chain_ || chain_->stamps != stamps) {
    Chain chain{stamps, {}, {}, {}};
    std::vector<SourceContent> contents;
    bool retry = false;  // a file caught changing: read everything again next scan
    std::string unreadable;
    for (const auto& file : walk.chained) {
      if (!unreadable.empty()) {
        chain.file_problems[file.relative] =
            "not verified: its checksum covers " + unreadable + ", which could not be read";
        continue;
      }
      ++walk.snapshot.files_hashed;
      std::string content, problem;
      struct stat after {};
      if (file.size > limits_.max_file_bytes) {
        problem = "larger than max_file_bytes (" + std::to_string(limits_.max_file_bytes) + ")";
      } else {
        problem = read_source_file(file.full_path, file.size, content, after);
        if (problem.empty() && (static_cast<std::uintmax_t>(after.st_size) != file.size ||
                                mtime_ns_of(after) != file.mtime_ns))
          problem = "changed while being read";
      }
      if (!problem.empty()) {
        retry = retry || problem == "changed while being read";
        chain.file_problems[file.relative] = problem;
        unreadable = file.relative;
        continue;
      }
      if (auto text = text_content_problem(content); !text.empty())
        chain.file_problems[file.relative] = text;
      contents.push_back({file.relative, std::move(content)});
    }
    std::optional<std::string> integrity;
    if (!integrity_path.empty()) {
      std::string content;
      struct stat after {};
      if (read_source_file(integrity_path, static_cast<std::uintmax_t>(info.st_size), content,
                           after)
              .empty())
        integrity = std::move(content);
    }
    auto result = walk.tool.chain_checksums(contents, integrity);
    for (std::size_t i = 0; i < contents.size() && i < result.checksums.size(); ++i)
      chain.checksums[contents[i].path] = std::move(result.checksums[i]);
    // Against a partial chain the integrity file would look wrong for the wrong reason.
    if (unreadable.empty()) chain.problems = std::move(result.problems);
    if (retry) {
      chain.stamps.clear();
    }
    chain_ = std::move(chain);
  }
  for (auto& file : walk.snapshot.files) {
    if (const auto checksum = chain_->checksums.find(file.path);
        checksum != chain_->checksums.end())
      file.checksum = checksum->second;
    if (const auto problem = chain_->file_problems.find(file.path);
        problem != chain_->file_problems.end())
      file.problem = problem->second;
  }
  const std::string where = walk.tool.integrity_file.empty() ? "." : walk.tool.integrity_file;
  for (const auto& problem : chain_->problems) walk.snapshot.malformed.emplace_back(where, problem);
}

void SourceScanner::walk_directory(Walk& walk, const std::string& full_path,
                                   const std::string& relative, int depth) {
  DIR* directory = ::opendir(full_path.c_str());
  if (directory == nullptr) {
    walk.snapshot.error = "cannot read directory " + full_path + ": " + std::strerror(errno);
    return;
  }
  std::vector<std::string> names;
  while (const dirent* entry = ::readdir(directory)) {
    const std::string name = entry->d_name;
    if (name.empty() || name[0] == '.') continue;
    if (++walk.entries > limits_.max_files) {
      walk.snapshot.error = "more than " + std::to_string(limits_.max_files) +
                            " entries in the source (raise max_files)";
      break;
    }
    names.push_back(name);
  }
  ::closedir(directory);
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    if (!walk.snapshot.error.empty()) return;
    const std::string path = full_path + "/" + name;
    const std::string child = relative.empty() ? name : relative + "/" + name;
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
      walk.snapshot.malformed.emplace_back(
          child, std::string("cannot stat (a dangling link?): ") + std::strerror(errno));
    } else if (S_ISDIR(info.st_mode)) {
      if (!walk.directories.emplace(info.st_dev, info.st_ino).second) {
        walk.snapshot.malformed.emplace_back(child, "directory already read (a symlink loop)");
      } else if (depth + 1 > limits_.max_depth) {
        walk.snapshot.malformed.emplace_back(
            child, "deeper than " + std::to_string(limits_.max_depth) + " directories: skipped");
      } else {
        walk_directory(walk, path, child, depth + 1);
      }
    } else if (S_ISREG(info.st_mode)) {
      visit_file(walk, path, child, static_cast<std::uintmax_t>(info.st_size), mtime_ns_of(info));
    }
  }
}

SourceName SourceScanner::identify(Walk& walk, const std::string& full_path,
                                   const std::string& relative, SourceMigration from_name,
                                   std::string& problem) {
  // The root the relative path hangs below: full_path ends with it.
  const std::string root = full_path.substr(0, full_path.size() - relative.size());
  std::string read_path = full_path;
  struct stat info {};
  if (walk.tool.identity_file) {
    const std::string companion = root + walk.tool.identity_file(relative);
    if (::stat(companion.c_str(), &info) == 0 && S_ISREG(info.st_mode)) read_path = companion;
  }
  const auto cached = named_.find(relative);
  if (cached != named_.end() && cached->second.read_path == read_path &&
      ::stat(read_path.c_str(), &info) == 0 &&
      cached->second.size == static_cast<std::uintmax_t>(info.st_size) &&
      cached->second.mtime_ns == mtime_ns_of(info)) {
    walk.named.insert(*cached);
    problem = cached->second.problem;
    return cached->second.name;
  }
  ++walk.snapshot.files_hashed;
  const SourceText text = read_source_text(read_path, limits_.max_file_bytes);
  Named named{read_path, text.size, text.mtime_ns, {}, text.problem};
  if (text.problem.empty()) {
    named.name = walk.tool.read_identity(from_name, text.content);
  } else if (!from_name.identity.empty()) {
    // Unreadable: the name alone says what it is, and the file counts as not verified.
    named.name = {std::move(from_name), ""};
  } else {
    named.name = {std::nullopt, text.problem};
  }
  problem = named.problem;
  if (text.problem != "changed while being read") walk.named.emplace(relative, named);
  return named.name;
}

void SourceScanner::visit_file(Walk& walk, const std::string& full_path,
                               const std::string& relative, std::uintmax_t size,
                               std::int64_t mtime_ns) {
  SourceName name = walk.tool.parse(relative, walk.naming);
  if (!name.malformed.empty()) {
    walk.snapshot.malformed.emplace_back(relative, name.malformed);
    return;
  }
  if (!name.migration) return;
  std::string identity_problem;
  if (walk.tool.read_identity) {
    name = identify(walk, full_path, relative, std::move(*name.migration), identity_problem);
    if (!name.malformed.empty()) {
      walk.snapshot.malformed.emplace_back(relative, name.malformed);
      return;
    }
    if (!name.migration) return;
  }
  SourceFile file{relative, std::move(*name.migration), std::nullopt, identity_problem, {}};
  if (walk.tool.checksum == SourceChecksum::chained) {
    walk.chained.push_back({relative, full_path, size, mtime_ns});  // see apply_chain
    walk.snapshot.files.push_back(std::move(file));
    return;
  }
  const bool checksummed = walk.tool.checksum != SourceChecksum::none &&
                           !(walk.tool.unchecksummed && walk.tool.unchecksummed(relative));
  const bool reads_content = static_cast<bool>(walk.tool.read_content);
  if (!checksummed && !reads_content) {
    walk.snapshot.files.push_back(std::move(file));
    return;
  }
  const auto cached = digests_.find(relative);
  Digest digest{size, mtime_ns, std::nullopt, "", {}, {}, {}, std::nullopt, ""};
  if (cached != digests_.end() && cached->second.size == size &&
      cached->second.mtime_ns == mtime_ns) {
    digest = cached->second;
    walk.digests.insert(*cached);
  } else {
    ++walk.snapshot.files_hashed;
    if (size > limits_.max_file_bytes) {
      digest.problem =
          "larger than max_file_bytes (" + std::to_string(limits_.max_file_bytes) + ")";
    } else {
      std::string content;
      struct stat after {};
      digest.problem = read_source_file(full_path, size, content, after);
      if (digest.problem.empty() &&
          (static_cast<std::uintmax_t>(after.st_size) != size || mtime_ns_of(after) != mtime_ns)) {
        digest.problem = "changed while being read";
      }
      if (digest.problem.empty()) digest.problem = text_content_problem(content);
      if (digest.problem.empty() && checksummed) {
        digest.checksum = source_checksum(walk.tool.checksum, content);
        digest.also_accepted = accepted_checksums(walk.tool.checksum, content);
      }
      if (digest.problem.empty() && reads_content) {
        auto named = walk.tool.read_content(content, file.migration);
        digest.read = std::move(named.migration);
        digest.malformed = std::move(named.malformed);
        if (named.checksum) digest.checksum = std::move(named.checksum);
        digest.problem = std::move(named.problem);
      }
    }
    // A file caught changing is read again next scan rather than trusted from the cache.
    if (digest.problem != "changed while being read") walk.digests.emplace(relative, digest);
  }
  if (reads_content) {
    if (!digest.read) {
      // Without its content the migration is unknown: the file is rejected rather than guessed.
      const std::string rejected = !digest.problem.empty() ? digest.problem : digest.malformed;
      if (!rejected.empty()) walk.snapshot.malformed.emplace_back(relative, rejected);
      return;  // or not a migration after all
    }
    file.migration = *digest.read;
  }
  file.checksum = digest.checksum;
  // A name read from the file that could not be verified keeps saying so.
  if (!digest.problem.empty()) file.problem = digest.problem;
  file.also_accepted = digest.also_accepted;
  walk.snapshot.files.push_back(std::move(file));
}

}  // namespace mexp
