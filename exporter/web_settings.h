// The web configuration as connections use it (TLS context, basic auth, extra headers), re-read
// when its file or a certificate, key or CA file it names changes: certificates rotate without a
// restart, as exporter-toolkit reads them per handshake. A changed file that does not load is
// logged once and the settings in force stay.
#pragma once

#include <sys/types.h>

#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "exporter/basic_auth.h"
#include "exporter/web_config.h"

namespace mexp {

struct WebSettings {
  explicit WebSettings(const WebConfig& config);   // throws std::runtime_error (a TLS file)
  std::shared_ptr<boost::asio::ssl::context> tls;  // null: plain HTTP
  BasicAuth auth;
  std::vector<std::pair<std::string, std::string>> headers;
};

class WebSettingsSource {
 public:
  explicit WebSettingsSource(const WebConfig& initial);
  // The settings to serve a new connection with; first re-reads the files if one changed since
  // the last look (at most one look per second). Thread-safe.
  std::shared_ptr<WebSettings> refreshed();
  // The settings in force, without looking at the files.
  std::shared_ptr<WebSettings> current() const;
  bool tls() const { return tls_; }

 private:
  struct FileState {
    std::string path;
    bool exists = false;
    ino_t inode = 0;
    off_t size = 0;
    std::int64_t mtime_ns = 0;
    bool operator==(const FileState&) const = default;
  };
  static std::vector<FileState> look_at(const std::vector<std::string>& files);
  void reload_locked();

  const bool tls_;  // fixed at start: switching TLS on or off needs a restart
  const std::string source_file_;
  mutable std::mutex mutex_;
  std::shared_ptr<WebSettings> settings_;
  std::vector<FileState> files_;  // as last seen (loaded or not)
  std::chrono::steady_clock::time_point last_look_;
};

}  // namespace mexp
