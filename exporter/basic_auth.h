// HTTP basic authentication against bcrypt hashes, the way exporter-toolkit does it: user names
// compared in constant time, a bcrypt run even for unknown users (no timing oracle), and small
// caches of checked credentials, so that a scrape does not cost a bcrypt every time and a client
// repeating a wrong password costs one bcrypt, not one per request.
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

  // The same decision in two steps, so that the costly one can run off the I/O threads:
  // `screen` answers from the header's syntax and the caches; when it says needs_bcrypt,
  // `credentials` holds the decoded "user:password" to hand to `verify`.
  enum class Screening { allowed, denied, needs_bcrypt };
  Screening screen(std::string_view authorization, std::string& credentials);
  bool verify(const std::string& credentials);

 private:
  std::map<std::string, std::string> users_;
  std::mutex cache_mutex_;
  std::set<std::string> verified_;  // SHA-256 of "user:password" that passed bcrypt
  std::set<std::string> rejected_;  // ... and that failed it
};

// Exposed for tests.
std::string base64_decode(std::string_view text, bool& ok);
bool bcrypt_matches(const std::string& password, const std::string& hash);

}  // namespace mexp
