// Reads a source whose migrations a tree of changelog files lists (Liquibase), cached as a whole.
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "sources/source_scan_walk.h"

namespace mexp {

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

}  // namespace mexp
