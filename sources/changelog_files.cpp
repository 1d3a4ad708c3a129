// Reads and lists a changelog's files, remembering each one's state for the next scan.
#include "sources/changelog_files.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace mexp {

ChangelogFiles::ChangelogFiles(std::string search_path, std::uintmax_t max_file_bytes,
                               std::size_t max_files)
    : search_path_(std::move(search_path)),
      max_file_bytes_(max_file_bytes),
      max_files_(max_files) {}

ChangelogFiles::Seen ChangelogFiles::state_of(const std::string& full_path) const {
  Seen seen{full_path, false, 0, 0};
  struct stat info {};
  if (::stat(full_path.c_str(), &info) == 0) {
    seen.exists = true;
    seen.size = static_cast<std::uintmax_t>(info.st_size);
    seen.mtime_ns = mtime_ns_of(info);
  }
  return seen;
}

SourceText ChangelogFiles::read(const std::string& path) {
  const std::string full_path = search_path_ + "/" + path;
  ++files_read_;
  SourceText text = read_source_text(full_path, max_file_bytes_);
  Seen seen = state_of(full_path);
  // A file caught changing is remembered as changed, so the next scan reads it again.
  if (text.problem == "changed while being read") seen.mtime_ns = -1;
  seen_.push_back(std::move(seen));
  return text;
}

std::vector<std::string> ChangelogFiles::list(const std::string& directory, std::string& problem) {
  const std::string full_path = search_path_ + "/" + directory;
  seen_.push_back(state_of(full_path));  // a directory's mtime changes when entries come or go
  std::vector<std::string> names;
  DIR* listing = ::opendir(full_path.c_str());
  if (listing == nullptr) {
    problem = "cannot read directory " + directory + ": " + std::strerror(errno);
    return names;
  }
  while (const dirent* entry = ::readdir(listing)) {
    const std::string name = entry->d_name;
    if (name.empty() || name[0] == '.') continue;
    struct stat info {};
    const std::string child = full_path + "/" + name;
    if (::stat(child.c_str(), &info) != 0 || !(S_ISREG(info.st_mode) || S_ISDIR(info.st_mode)))
      continue;
    if (names.size() >= max_files_) {
      problem = "more than " + std::to_string(max_files_) + " entries in " + directory;
      break;
    }
    names.push_back(S_ISDIR(info.st_mode) ? name + "/" : name);
  }
  ::closedir(listing);
  std::sort(names.begin(), names.end());
  return names;
}

bool ChangelogFiles::unchanged() const {
  return std::all_of(seen_.begin(), seen_.end(), [&](const Seen& seen) {
    const Seen now = state_of(seen.full_path);
    return now.exists == seen.exists && now.size == seen.size && now.mtime_ns == seen.mtime_ns;
  });
}

}  // namespace mexp
