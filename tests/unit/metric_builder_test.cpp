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

TEST(LabelValue, ShortValuesAreKeptAndLongOnesCutAtACharacterBoundaryWithAMarker) {
  EXPECT_EQ(mexp::label_value("create orders"), "create orders");
  const std::string at_limit(mexp::kMaxLabelValueBytes, 'a');
  EXPECT_EQ(mexp::label_value(at_limit), at_limit);

  const std::string megabyte(1 << 20, 'd');
  const auto cut = mexp::label_value(megabyte);
  EXPECT_EQ(cut.size(), mexp::kMaxLabelValueBytes);
  EXPECT_EQ(cut, std::string(mexp::kMaxLabelValueBytes - 3, 'd') + "\xE2\x80\xA6");

  // "é" is 2 bytes: a cut never splits one, so the value stays valid UTF-8.
  std::string accents;
  while (accents.size() < 2 * mexp::kMaxLabelValueBytes) accents += "\xC3\xA9";
  const auto cut_accents = mexp::label_value(accents);
  EXPECT_LE(cut_accents.size(), mexp::kMaxLabelValueBytes);
  EXPECT_EQ(mexp::valid_utf8(cut_accents), cut_accents);
  EXPECT_TRUE(cut_accents.ends_with("\xC3\xA9\xE2\x80\xA6"));

  // Invalid bytes grow to 3 when replaced: 1,000 of them are cut too.
  const auto replaced = mexp::label_value(std::string(1000, '\xFF'));
  EXPECT_LE(replaced.size(), mexp::kMaxLabelValueBytes);
  EXPECT_TRUE(replaced.ends_with("\xEF\xBF\xBD\xE2\x80\xA6"));

  const auto labels = mexp::with_labels({}, {{"description", megabyte}});
  EXPECT_EQ(labels.at(0).value, cut);
}
