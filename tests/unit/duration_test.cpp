#include "core/duration.h"

#include <gtest/gtest.h>

using namespace std::chrono_literals;

TEST(Duration, ParsesEveryUnitAndCompounds) {
  EXPECT_EQ(mexp::parse_duration("250ms"), 250ms);
  EXPECT_EQ(mexp::parse_duration("15s"), 15s);
  EXPECT_EQ(mexp::parse_duration("2m"), 2min);
  EXPECT_EQ(mexp::parse_duration("1h"), 1h);
  EXPECT_EQ(mexp::parse_duration("1d"), 24h);
  EXPECT_EQ(mexp::parse_duration("1m30s"), 90s);
  EXPECT_EQ(mexp::parse_duration("0s"), 0ms);
}

TEST(Duration, RejectsWhatIsNotADuration) {
  for (const char* bad :
       {"", "15", "s", "-1s", "1.5s", "15 s", "1y", "ms", "99999999999999999999h"}) {
    EXPECT_FALSE(mexp::parse_duration(bad).has_value()) << bad;
  }
}

TEST(Duration, FormatsInTheLargestWholeUnit) {
  EXPECT_EQ(mexp::format_duration(90s), "90s");
  EXPECT_EQ(mexp::format_duration(120s), "2m");
  EXPECT_EQ(mexp::format_duration(1500ms), "1500ms");
}
