// zlib-backed gzip for the snapshot's pre-compressed body.
#include "exporter/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <climits>
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
  std::size_t total = 0;
  for (const auto piece : pieces) total += piece.size();
  // The output grows as needed from a guess: sizing it for the worst case (deflateBound, larger
  // than the input) would write zeros over tens of MB for a body that compresses 30-fold, and the
  // string would keep that capacity for as long as the snapshot lives.
  std::string out(std::min<std::size_t>(deflateBound(&stream, total), total / 16 + 4096), '\0');
  std::size_t used = 0;
  const auto run = [&](int flush) {
    int status = Z_OK;
    do {
      if (used == out.size()) out.resize(out.size() * 2);
      const auto room = static_cast<uInt>(std::min<std::size_t>(out.size() - used, UINT_MAX));
      stream.next_out = reinterpret_cast<Bytef*>(out.data() + used);
      stream.avail_out = room;
      status = deflate(&stream, flush);
      used += room - stream.avail_out;
      if (status == Z_STREAM_ERROR) break;
      // More output may be pending while deflate filled all the room it had.
    } while (stream.avail_out == 0 || (flush == Z_FINISH && status != Z_STREAM_END));
    return status;
  };
  int status = Z_OK;
  for (const auto piece : pieces) {
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(piece.data()));
    stream.avail_in = static_cast<uInt>(piece.size());
    status = run(Z_NO_FLUSH);
    if (status == Z_STREAM_ERROR) break;
  }
  if (status != Z_STREAM_ERROR) status = run(Z_FINISH);
  deflateEnd(&stream);
  if (status != Z_STREAM_END) throw std::runtime_error("deflate did not finish");
  out.resize(used);
  out.shrink_to_fit();
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
