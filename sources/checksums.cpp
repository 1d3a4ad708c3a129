// Content fingerprints as the migration tools compute them (see checksums.h).
#include "sources/checksums.h"

#include <openssl/evp.h>
#include <zlib.h>

#include <algorithm>
#include <memory>

#include "core/metric_builder.h"

namespace mexp {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

std::string digest_hex(const EVP_MD* algorithm, std::string_view content, bool padded = true) {
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> context(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (!context || EVP_DigestInit_ex(context.get(), algorithm, nullptr) != 1 ||
      EVP_DigestUpdate(context.get(), content.data(), content.size()) != 1 ||
      EVP_DigestFinal_ex(context.get(), digest, &length) != 1) {
    return "";
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    if (padded || digest[i] >> 4 != 0) hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xF];
  }
  return hex;
}

std::string replace_all(std::string_view text, std::string_view from, std::string_view to) {
  std::string result;
  std::size_t start = 0;
  for (auto at = text.find(from); at != std::string_view::npos; at = text.find(from, start)) {
    result.append(text.substr(start, at - start)).append(to);
    start = at + from.size();
  }
  return result.append(text.substr(start));
}

}  // namespace

std::int32_t flyway_checksum(std::string_view content) {
  if (content.starts_with(kUtf8Bom)) content.remove_prefix(kUtf8Bom.size());
  uLong crc = crc32(0L, Z_NULL, 0);
  // The lines without their terminators, back to back: the content with every CR and LF removed.
  std::size_t start = 0;
  while (start < content.size()) {
    const auto end = content.find_first_of("\r\n", start);
    const auto stop = end == std::string_view::npos ? content.size() : end;
    if (stop > start) {
      crc = crc32(crc, reinterpret_cast<const Bytef*>(content.data() + start),
                  static_cast<uInt>(stop - start));
    }
    start = stop + 1;
  }
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(crc));
}

std::string sha256_hex(std::string_view content) { return digest_hex(EVP_sha256(), content); }
std::string md5_hex(std::string_view content) { return digest_hex(EVP_md5(), content); }
std::string sha1_hex(std::string_view content) { return digest_hex(EVP_sha1(), content); }

std::optional<std::string> source_checksum(SourceChecksum kind, std::string_view content) {
  switch (kind) {
    case SourceChecksum::flyway_crc32:
      return std::to_string(flyway_checksum(content));
    case SourceChecksum::sha256_hex:
    case SourceChecksum::prisma_sha256:
      return sha256_hex(content);
    case SourceChecksum::md5_hex:
      return md5_hex(content);
    case SourceChecksum::none:
    case SourceChecksum::chained:  // needs the other files: SourceTool::chain_checksums
      break;
  }
  return std::nullopt;
}

std::vector<std::string> accepted_checksums(SourceChecksum kind, std::string_view content) {
  if (kind != SourceChecksum::prisma_sha256) return {};
  // Prisma's script_matches_checksum: the script as is, CRLF as LF, LF as CRLF (git may have
  // converted the file since it was applied); a recorded value shorter than 64 characters is
  // compared in the hex without leading zeros older Prisma versions wrote.
  const std::string variants[] = {std::string(content), replace_all(content, "\r\n", "\n"),
                                  replace_all(content, "\n", "\r\n")};
  std::vector<std::string> accepted;
  for (const auto& variant : variants) {
    for (bool padded : {true, false}) {
      auto hex = digest_hex(EVP_sha256(), variant, padded);
      if (std::find(accepted.begin(), accepted.end(), hex) == accepted.end())
        accepted.push_back(std::move(hex));
    }
  }
  return accepted;
}

std::string text_content_problem(std::string_view content) {
  if (content.find('\0') != std::string_view::npos) return "binary: contains NUL bytes";
  if (valid_utf8(content) != content) return "not valid UTF-8";
  return "";
}

}  // namespace mexp
