// Basic auth: header decoding, constant-time user lookup, bcrypt via libxcrypt.
#include "exporter/basic_auth.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <array>
#include <cstring>

namespace mexp {
namespace {

// A valid bcrypt hash of a random string: checked against when the user is unknown, so that an
// unknown user costs the same time as a wrong password.
constexpr const char* kDummyHash = "$2b$10$9XpjYZI8Ikvu39C6Ekf30.pkH7/gbUvc551k75SvI4nAy1DfNZ8pK";

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string sha256(std::string_view text) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
  return std::string(reinterpret_cast<const char*>(digest.data()), digest.size());
}

}  // namespace

std::string base64_decode(std::string_view text, bool& ok) {
  static constexpr std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  ok = false;
  if (text.size() % 4 != 0) return out;
  unsigned buffer = 0;
  int bits = 0;
  std::size_t padding = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '=') {
      if (i < text.size() - 2) return out;
      ++padding;
      continue;
    }
    if (padding > 0) return out;
    const auto value = alphabet.find(c);
    if (value == std::string_view::npos) return out;
    buffer = (buffer << 6) | static_cast<unsigned>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  ok = true;
  return out;
}

bool bcrypt_matches(const std::string& password, const std::string& hash) {
  crypt_data data{};
  const char* result = crypt_r(password.c_str(), hash.c_str(), &data);
  if (result == nullptr || result[0] == '*') return false;
  return constant_time_equal(result, hash);
}

bool BasicAuth::allows(std::string_view authorization) {
  std::string credentials;
  const auto screening = screen(authorization, credentials);
  if (screening != Screening::needs_bcrypt) return screening == Screening::allowed;
  return verify(credentials);
}

BasicAuth::Screening BasicAuth::screen(std::string_view authorization, std::string& credentials) {
  if (users_.empty()) return Screening::allowed;
  constexpr std::string_view scheme = "Basic ";
  if (authorization.size() <= scheme.size() || authorization.substr(0, scheme.size()) != scheme)
    return Screening::denied;
  bool ok = false;
  credentials = base64_decode(authorization.substr(scheme.size()), ok);
  if (!ok || credentials.find(':') == std::string::npos) return Screening::denied;
  const std::string key = sha256(credentials);
  std::lock_guard lock(cache_mutex_);
  if (verified_.contains(key)) return Screening::allowed;
  if (rejected_.contains(key)) return Screening::denied;
  return Screening::needs_bcrypt;
}

bool BasicAuth::verify(const std::string& credentials) {
  const auto colon = credentials.find(':');
  if (colon == std::string::npos) return false;
  const std::string user = credentials.substr(0, colon);
  const std::string password = credentials.substr(colon + 1);
  // Look at every user, comparing in constant time, so that the time taken does not say which
  // (or whether a) user name matched.
  const std::string* hash = nullptr;
  for (const auto& [name, user_hash] : users_) {
    if (constant_time_equal(name, user)) hash = &user_hash;
  }
  const bool matches =
      bcrypt_matches(password, hash != nullptr ? *hash : kDummyHash) && hash != nullptr;
  std::lock_guard lock(cache_mutex_);
  auto& cache = matches ? verified_ : rejected_;
  if (cache.size() > 1024) cache.clear();  // bounded: a cache, not a record
  cache.insert(sha256(credentials));
  return matches;
}

}  // namespace mexp
