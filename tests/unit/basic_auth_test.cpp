// Basic auth decisions: header parsing, bcrypt verification, unknown users.
#include "exporter/basic_auth.h"

#include <gtest/gtest.h>

namespace {
// bcrypt (cost 4) of "correct horse", made with Python's crypt module.
constexpr const char* kHash = "$2b$04$tbJYA64DhpKlzBmTk9q8XuBXd9ElA2GIqWNLIRqPxh1qweGMVdb52";
}  // namespace

TEST(Base64, DecodesAndRejectsMalformedInput) {
  bool ok = false;
  EXPECT_EQ(mexp::base64_decode("dXNlcjpwYXNz", ok), "user:pass");
  EXPECT_TRUE(ok);
  EXPECT_EQ(mexp::base64_decode("YQ==", ok), "a");
  EXPECT_TRUE(ok);
  for (const char* bad : {"abc", "a=bc", "YQ=x", "!!!!"}) {
    mexp::base64_decode(bad, ok);
    EXPECT_FALSE(ok) << bad;
  }
}

TEST(BasicAuth, AcceptsOnlyTheRightUserAndPassword) {
  ASSERT_TRUE(mexp::bcrypt_matches("correct horse", kHash)) << "test hash does not verify";
  mexp::BasicAuth auth(std::map<std::string, std::string>{{"prometheus", kHash}});
  const auto header = [](const std::string& credentials) {
    static constexpr char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    unsigned buffer = 0;
    int bits = 0;
    for (unsigned char c : credentials) {
      buffer = (buffer << 8) | c;
      bits += 8;
      while (bits >= 6) out += alphabet[(buffer >> (bits -= 6)) & 63];
    }
    if (bits > 0) out += alphabet[(buffer << (6 - bits)) & 63];
    while (out.size() % 4 != 0) out += '=';
    return "Basic " + out;
  };
  EXPECT_TRUE(auth.allows(header("prometheus:correct horse")));
  EXPECT_TRUE(auth.allows(header("prometheus:correct horse"))) << "cached path";
  EXPECT_FALSE(auth.allows(header("prometheus:wrong")));
  EXPECT_FALSE(auth.allows(header("someone:correct horse")));
  EXPECT_FALSE(auth.allows(header("no-colon")));
  EXPECT_FALSE(auth.allows("Bearer abc"));
  EXPECT_FALSE(auth.allows(""));
  EXPECT_TRUE(mexp::BasicAuth(std::map<std::string, std::string>{}).allows(""))
      << "no users configured: open";
}
