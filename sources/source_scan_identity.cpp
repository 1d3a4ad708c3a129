// Names a migration from the text of its file (TypeORM, EF Core), cached by size and mtime.
#include <sys/stat.h>

#include "sources/source_scan_walk.h"
#include "sources/source_text.h"

namespace mexp {

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

}  // namespace mexp
