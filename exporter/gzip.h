// gzip compression of a whole body (done once per poll, never per scrape).
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace mexp {

std::string gzip_compress(std::string_view data);
// The concatenation of `pieces`, compressed, without concatenating them first.
std::string gzip_compress(std::span<const std::string_view> pieces);
// For tests: inflates a gzip body; throws on corrupt input.
std::string gzip_decompress(std::string_view data);

}  // namespace mexp
