// HTTP basic authentication against bcrypt hashes, the way exporter-toolkit does it: user names
// compared in constant time, a bcrypt run even for unknown users (no timing oracle), and a small
// cache of successful checks so that a scrape does not cost a bcrypt every time.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

namespace mexp {

class BasicAuth {
 public:
  explicit BasicAuth(std::map<std::string, std::string> users) : users_(std::move(users)) {}
  bool enabled() const { return !users_.empty(); }
  // `authorization` is the Authorization header value ("Basic base64(user:password)").
  bool allows(std::string_view authorization);

 private:
  std::map<std::string, std::string> users_;
  std::mutex cache_mutex_;
  std::set<std::string> verified_;  // SHA-256 of "user:password" that passed bcrypt
};

// Exposed for tests.
std::string base64_decode(std::string_view text, bool& ok);
bool bcrypt_matches(const std::string& password, const std::string& hash);

}  // namespace mexp
