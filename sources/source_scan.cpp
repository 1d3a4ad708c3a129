// Walks a migration source and keeps each file's digest while its size and mtime stay the same.
#include "sources/source_scan.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "sources/checksums.h"
#include "sources/source_duplicates.h"
#include "sources/source_scan_walk.h"
#include "sources/source_text.h"

namespace mexp {
namespace {

std::string base_name(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

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
  if (walk.snapshot.up && tool.check_sequence) tool.check_sequence(walk.snapshot.files);
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
