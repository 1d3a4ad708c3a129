#include "core/metric_builder.h"

#include <gtest/gtest.h>

#include <cmath>

TEST(ValidUtf8, KeepsValidTextAndReplacesEveryInvalidByte) {
  EXPECT_EQ(mexp::valid_utf8("héllo ✓ 😀"), "héllo ✓ 😀");
  EXPECT_EQ(mexp::valid_utf8("a\xFF"
                             "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(mexp::valid_utf8("\xC3"), "\xEF\xBF\xBD");                  // truncated sequence
  EXPECT_EQ(mexp::valid_utf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong
  EXPECT_EQ(mexp::valid_utf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
}

TEST(MetricBuilder, HistogramGetsAnInfBucketEqualToTheCount) {
  auto family = mexp::histogram_family("x_seconds", "help");
  mexp::add_histogram(family, {}, {.count = 5, .sum = 12.5, .buckets = {{1, 2}, {10, 4}}});
  const auto& buckets = family.metric.at(0).histogram.bucket;
  ASSERT_EQ(buckets.size(), 3u);
  EXPECT_TRUE(std::isinf(buckets.back().upper_bound));
  EXPECT_EQ(buckets.back().cumulative_count, 5u);
}

TEST(MetricBuilder, WithLabelsAppendsAfterTheBaseLabels) {
  const mexp::Labels base = {{"datname", "app"}};
  const auto labels = mexp::with_labels(base, {{"tool", "flyway"}});
  ASSERT_EQ(labels.size(), 2u);
  EXPECT_EQ(labels[0].name, "datname");
  EXPECT_EQ(labels[1].value, "flyway");
}
