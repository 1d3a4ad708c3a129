// Series handed over in chunks while a collector runs give the same text as returning them all at
// once, and no chunk holds more than kSeriesPerChunk series plus one row's.
#include <gtest/gtest.h>

#include "core/collector.h"
#include "core/metric_builder.h"
#include "exporter/snapshot.h"

namespace {

// What a collector with several series per row builds: one counter and one gauge per table, and
// a histogram every 100th table (a family with several lines per series).
void add_row(std::vector<prometheus::MetricFamily>& families, int table) {
  const mexp::Labels labels = {{"datname", "db"}, {"relname", "t_" + std::to_string(table)}};
  mexp::add_counter(families[0], labels, table);
  mexp::add_gauge(families[1], labels, table * 0.5);
  if (table % 100 == 0) mexp::add_histogram(families[2], labels, {2, 1.5, {{1.0, 1}}});
}

std::vector<prometheus::MetricFamily> empty_families() {
  return {mexp::counter_family("rows_total", "Rows."), mexp::gauge_family("size_bytes", "Size."),
          mexp::histogram_family("duration_seconds", "Durations.")};
}

std::string body_of(std::vector<mexp::FamilyTexts> parts) {
  mexp::SnapshotStore store(nullptr);
  store.publish("a", std::move(parts));
  return store.current()->joined_text();
}

constexpr int kTables = 10'000;

}  // namespace

TEST(FamilyTextsBuilder, ChunkedTextEqualsTheTextOfEverythingAtOnce) {
  mexp::PgSession unused_session({});
  const mexp::Labels base = {{"datname", "db"}};

  std::vector<prometheus::MetricFamily> everything = empty_families();
  for (int table = 0; table < kTables; ++table) add_row(everything, table);

  mexp::FamilyTextsBuilder builder;
  std::vector<std::size_t> chunk_series;
  mexp::CollectContext context{unused_session, base, std::chrono::system_clock::now(),
                               [&](std::vector<prometheus::MetricFamily> chunk) {
                                 std::size_t series = 0;
                                 for (const auto& family : chunk) series += family.metric.size();
                                 chunk_series.push_back(series);
                                 builder.add(std::move(chunk));
                               }};
  std::vector<prometheus::MetricFamily> families = empty_families();
  for (int table = 0; table < kTables; ++table) {
    context.emit_when_full(families);
    add_row(families, table);
  }
  // The collector's return value: the last chunk, plus a family only it has.
  auto last = mexp::gauge_family("skipped", "Skipped.");
  mexp::add_gauge(last, base, 0);
  families.push_back(last);
  builder.add(std::move(families));

  everything.push_back(last);
  const std::string expected = body_of({mexp::serialize_families(everything)});
  EXPECT_EQ(body_of({std::move(builder).finish()}), expected);
  EXPECT_NE(expected.find("rows_total{datname=\"db\",relname=\"t_9999\"} 9999\n"),
            std::string::npos);

  // 10,000 rows of 2-3 series: 20,100 series, handed over in chunks of 4,096 to 4,098.
  ASSERT_EQ(chunk_series.size(), 20'100 / mexp::kSeriesPerChunk);
  for (const auto series : chunk_series) {
    EXPECT_GE(series, mexp::kSeriesPerChunk);
    EXPECT_LE(series, mexp::kSeriesPerChunk + 2);
  }
}

TEST(FamilyTextsBuilder, WithoutEmitHookEverythingStaysInTheFamilies) {
  mexp::PgSession unused_session({});
  const mexp::Labels base = {{"datname", "db"}};
  const mexp::CollectContext context{unused_session, base, std::chrono::system_clock::now()};
  std::vector<prometheus::MetricFamily> families = empty_families();
  for (int table = 0; table < kTables; ++table) {
    context.emit_when_full(families);
    add_row(families, table);
  }
  EXPECT_EQ(families[0].metric.size(), static_cast<std::size_t>(kTables));
  EXPECT_EQ(families[2].metric.size(), static_cast<std::size_t>(kTables / 100));
}

TEST(FamilyTextsBuilder, KeepsOneTextPerNameWithTheFirstHeader) {
  mexp::FamilyTextsBuilder builder;
  auto first = mexp::gauge_family("pg_up", "First help.");
  mexp::add_gauge(first, {{"datname", "a"}}, 1);
  auto second = mexp::gauge_family("pg_up", "Second help.");
  mexp::add_gauge(second, {{"datname", "b"}}, 0);
  builder.add({first, mexp::gauge_family("empty", "No series.")});
  builder.add({second});
  const auto texts = std::move(builder).finish();
  ASSERT_EQ(texts->size(), 2u);
  EXPECT_EQ((*texts)[0].header, "# HELP pg_up First help.\n# TYPE pg_up gauge\n");
  EXPECT_EQ((*texts)[0].samples, "pg_up{datname=\"a\"} 1\npg_up{datname=\"b\"} 0\n");
  EXPECT_EQ((*texts)[0].samples.capacity(), (*texts)[0].samples.size());
  EXPECT_EQ((*texts)[1].name, "empty");
  EXPECT_EQ((*texts)[1].samples, "");
}
