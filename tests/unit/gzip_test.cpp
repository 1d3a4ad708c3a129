// gzip_compress round-trips whatever the compression ratio: its output grows from a guess.
#include "exporter/gzip.h"

#include <gtest/gtest.h>

#include <random>

TEST(Gzip, RoundTripsIncompressibleAndRepetitiveInputInPieces) {
  std::mt19937 random(9);
  std::string noise(1 << 20, '\0');
  for (auto& byte : noise) byte = static_cast<char>(random());
  const std::string repeated(3 << 20, 'x');
  const std::vector<std::string_view> pieces = {noise, "", repeated,
                                                std::string_view(noise).substr(0, 12345)};
  const std::string compressed = mexp::gzip_compress(pieces);
  // EXPECT_TRUE: a failure would print megabytes of binary.
  EXPECT_TRUE(mexp::gzip_decompress(compressed) == noise + repeated + noise.substr(0, 12345));
  EXPECT_GT(compressed.size(), noise.size());  // the guess (1/16 of the input) had to grow
  EXPECT_EQ(compressed.capacity(), compressed.size());
  EXPECT_EQ(mexp::gzip_decompress(mexp::gzip_compress(std::string_view())), "");
}
