// Reads migration source files whole, bounded and checked as text.
#include "sources/source_text.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sources/checksums.h"

namespace mexp {

std::int64_t mtime_ns_of(const struct stat& info) {
  return static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec;
}

std::string read_source_file(const std::string& path, std::uintmax_t size, std::string& content,
                             struct stat& after) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  // O_NOFOLLOW on a symlink fails: open through the link, as the tool would.
  const int file = fd >= 0 ? fd : ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (file < 0) return std::string("cannot open: ") + std::strerror(errno);
  content.assign(static_cast<std::size_t>(size), '\0');
  std::size_t done = 0;
  std::string error;
  while (done < content.size()) {
    const auto got = ::read(file, content.data() + done, content.size() - done);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      error = std::string("cannot read: ") + std::strerror(errno);
      break;
    }
    if (got == 0) break;
    done += static_cast<std::size_t>(got);
  }
  content.resize(done);
  // One byte more than the size stat gave means the file grew while it was read.
  char extra = 0;
  if (error.empty() && ::read(file, &extra, 1) > 0) error = "changed while being read";
  if (::fstat(file, &after) != 0 && error.empty()) error = "cannot stat after reading";
  ::close(file);
  return error;
}

SourceText read_source_text(const std::string& path, std::uintmax_t max_bytes) {
  SourceText text;
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    text.problem = std::string("cannot stat: ") + std::strerror(errno);
    return text;
  }
  if (!S_ISREG(info.st_mode)) {
    text.problem = "not a regular file";
    return text;
  }
  text.size = static_cast<std::uintmax_t>(info.st_size);
  text.mtime_ns = mtime_ns_of(info);
  if (text.size > max_bytes) {
    text.problem = "larger than max_file_bytes (" + std::to_string(max_bytes) + ")";
    return text;
  }
  struct stat after {};
  text.problem = read_source_file(path, text.size, text.content, after);
  if (text.problem.empty() && (static_cast<std::uintmax_t>(after.st_size) != text.size ||
                               mtime_ns_of(after) != text.mtime_ns))
    text.problem = "changed while being read";
  if (text.problem.empty()) text.problem = text_content_problem(text.content);
  if (!text.problem.empty()) text.content.clear();
  return text;
}

}  // namespace mexp
