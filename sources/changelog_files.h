// The files a changelog reader opens (Liquibase's root changelog and everything it includes), each
// remembered with its size and mtime, so that a later scan can tell whether anything needs reading.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sources/source_text.h"

namespace mexp {

class ChangelogFiles {
 public:
  // `search_path` is the directory the tool resolves changelog paths against.
  ChangelogFiles(std::string search_path, std::uintmax_t max_file_bytes, std::size_t max_files);
  const std::string& search_path() const { return search_path_; }
  // A file by its path below the search path ('/'-separated).
  SourceText read(const std::string& path);
  // The regular files and the directories (named with a trailing '/') directly in a directory
  // below the search path, sorted, names starting with '.' left out; `problem` set when it cannot
  // be listed or holds more than max_files entries.
  std::vector<std::string> list(const std::string& directory, std::string& problem);
  // Whether every file read and directory listed still has the size and mtime it had.
  bool unchanged() const;
  std::size_t files_read() const { return files_read_; }

 private:
  struct Seen {
    std::string full_path;
    bool exists = false;
    std::uintmax_t size = 0;
    std::int64_t mtime_ns = 0;
  };
  Seen state_of(const std::string& full_path) const;

  std::string search_path_;
  std::uintmax_t max_file_bytes_;
  std::size_t max_files_;
  std::vector<Seen> seen_;
  std::size_t files_read_ = 0;
};

}  // namespace mexp
