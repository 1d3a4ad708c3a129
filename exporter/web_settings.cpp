// Building the served settings from a WebConfig, and watching its files for changes.
#include "exporter/web_settings.h"

#include <sys/stat.h>

#include "core/log.h"
#include "exporter/tls_context.h"

namespace mexp {

WebSettings::WebSettings(const WebConfig& config)
    : tls(config.tls ? make_tls_context(*config.tls) : nullptr),
      auth(config.basic_auth_users),
      headers(config.headers) {}

WebSettingsSource::WebSettingsSource(const WebConfig& initial)
    : tls_(initial.tls.has_value()),
      source_file_(initial.source_file),
      settings_(std::make_shared<WebSettings>(initial)),
      files_(look_at(initial.watched_files)),
      last_look_(std::chrono::steady_clock::now()) {}

std::vector<WebSettingsSource::FileState> WebSettingsSource::look_at(
    const std::vector<std::string>& files) {
  std::vector<FileState> states;
  for (const auto& path : files) {
    FileState state{.path = path};
    struct stat info {};
    // stat() follows symbolic links: a Kubernetes Secret volume rotates by swapping a link.
    if (::stat(path.c_str(), &info) == 0) {
      state.exists = true;
      state.inode = info.st_ino;
      state.size = info.st_size;
      state.mtime_ns =
          static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec;
    }
    states.push_back(state);
  }
  return states;
}

std::shared_ptr<WebSettings> WebSettingsSource::current() const {
  std::lock_guard lock(mutex_);
  return settings_;
}

std::shared_ptr<WebSettings> WebSettingsSource::refreshed() {
  std::lock_guard lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (!source_file_.empty() && now - last_look_ >= std::chrono::seconds(1)) {
    last_look_ = now;
    std::vector<std::string> paths;
    for (const auto& file : files_) paths.push_back(file.path);
    if (auto seen = look_at(paths); seen != files_) {
      files_ = std::move(seen);
      reload_locked();
    }
  }
  return settings_;
}

void WebSettingsSource::reload_locked() {
  ConfigErrors errors;
  const auto config = load_web_config(source_file_, errors);
  if (!config) {
    log::error("web configuration changed but is invalid; the previous one stays in force",
               {{"file", source_file_}, {"errors", errors.joined()}});
    return;
  }
  // Watch what the new configuration names, as it was when it was read.
  files_ = look_at(config->watched_files);
  if (config->tls.has_value() != tls_) {
    log::error(
        "web configuration changed TLS on or off: that needs a restart; the previous one "
        "stays in force",
        {{"file", source_file_}});
    return;
  }
  try {
    settings_ = std::make_shared<WebSettings>(*config);
  } catch (const std::exception& failure) {
    log::error("web configuration changed but cannot be used; the previous one stays in force",
               {{"file", source_file_}, {"err", failure.what()}});
    return;
  }
  log::info("web configuration reloaded", {{"file", source_file_}});
}

}  // namespace mexp
