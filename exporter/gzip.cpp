// zlib-backed gzip for the snapshot's pre-compressed body.
#include "exporter/gzip.h"

#include <zlib.h>

#include <stdexcept>

namespace mexp {
namespace {
constexpr int kGzipWindowBits = 15 + 16;  // 32 KiB window, gzip header instead of zlib's
}

std::string gzip_compress(std::string_view data) { return gzip_compress({&data, 1}); }

std::string gzip_compress(std::span<const std::string_view> pieces) {
  z_stream stream{};
  if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kGzipWindowBits, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  uLong total = 0;
  for (const auto piece : pieces) total += piece.size();
  std::string out;
  // deflateBound covers the whole input, so no deflate call below runs out of output space.
  out.resize(deflateBound(&stream, total) + 32);
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  int status = Z_OK;
  for (const auto piece : pieces) {
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(piece.data()));
    stream.avail_in = static_cast<uInt>(piece.size());
    status = deflate(&stream, Z_NO_FLUSH);
    if (status != Z_OK && status != Z_BUF_ERROR) break;
  }
  if (status == Z_OK || status == Z_BUF_ERROR) status = deflate(&stream, Z_FINISH);
  deflateEnd(&stream);
  if (status != Z_STREAM_END) throw std::runtime_error("deflate did not finish");
  out.resize(stream.total_out);
  return out;
}

std::string gzip_decompress(std::string_view data) {
  z_stream stream{};
  if (inflateInit2(&stream, kGzipWindowBits) != Z_OK)
    throw std::runtime_error("inflateInit2 failed");
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char buffer[16384];
  int status = Z_OK;
  while (status != Z_STREAM_END) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof buffer;
    status = inflate(&stream, Z_NO_FLUSH);
    if (status != Z_OK && status != Z_STREAM_END) {
      inflateEnd(&stream);
      throw std::runtime_error("corrupt gzip data");
    }
    out.append(buffer, sizeof buffer - stream.avail_out);
  }
  inflateEnd(&stream);
  return out;
}

}  // namespace mexp
