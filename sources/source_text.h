// Reads one migration source file whole, as every reader needs it: bounded by size, refused when
// it is not text, and noticed when it changes while it is read.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <string>

namespace mexp {

std::int64_t mtime_ns_of(const struct stat& info);

// Reads a whole file whose size stat gave; returns the error text, or "" with `content` filled and
// `after` the file's state once read.
std::string read_source_file(const std::string& path, std::uintmax_t size, std::string& content,
                             struct stat& after);

// A file's text for a reader that needs what is written in it: `problem` is non-empty (and
// `content` empty) when it is missing, larger than `max_bytes`, unreadable, not text, or changed
// while it was read.
struct SourceText {
  std::string content;
  std::string problem;
  std::uintmax_t size = 0;
  std::int64_t mtime_ns = 0;
};
SourceText read_source_text(const std::string& path, std::uintmax_t max_bytes);

}  // namespace mexp
