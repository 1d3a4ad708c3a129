// See default_config_file.h.
#include "core/default_config_file.h"

#include <cstdlib>
#include <filesystem>

namespace mexp {

std::string default_config_file() {
  const char* path = std::getenv(kDefaultConfigEnv);
  if (path == nullptr || *path == '\0') return "";
  std::error_code error;
  // Anything there counts, a directory or an unreadable file included: loading it then names the
  // file and the problem instead of silently starting without the configuration.
  if (!std::filesystem::exists(std::filesystem::symlink_status(path, error))) return "";
  return path;
}

}  // namespace mexp
