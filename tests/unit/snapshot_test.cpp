// The snapshot assembled from serialised families is byte for byte what serialising the merged
// families gives: same order, one HELP/TYPE per name, empty families left out.
#include "exporter/snapshot.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/metric_builder.h"
#include "exporter/gzip.h"

namespace {

prometheus::MetricFamily gauge(const std::string& name, const std::string& datname, double value) {
  auto family = mexp::gauge_family(name, "Help of " + name + ".");
  mexp::add_gauge(family, {{"datname", datname}}, value);
  return family;
}

std::vector<prometheus::MetricFamily> self_metrics() {
  auto info = mexp::gauge_family("migration_exporter_build_info", "Build.");
  mexp::add_gauge(info, {{"version", "1"}}, 1);
  return {info};
}

}  // namespace

TEST(SerializeFamilies, SplitsEachFamilyIntoHeaderAndSamples) {
  auto histogram = mexp::histogram_family("migration_duration_seconds", "Durations.");
  mexp::add_histogram(histogram, {{"datname", "a"}}, {3, 10.5, {{1.0, 1}, {5.0, 2}}});
  const auto texts = mexp::serialize_families(
      {gauge("pg_up", "a", 1), histogram, mexp::gauge_family("no_series", "None.")});
  ASSERT_EQ(texts->size(), 3u);
  EXPECT_EQ((*texts)[0].name, "pg_up");
  EXPECT_EQ((*texts)[0].header, "# HELP pg_up Help of pg_up.\n# TYPE pg_up gauge\n");
  EXPECT_EQ((*texts)[0].samples, "pg_up{datname=\"a\"} 1\n");
  EXPECT_EQ((*texts)[1].header,
            "# HELP migration_duration_seconds Durations.\n"
            "# TYPE migration_duration_seconds histogram\n");
  EXPECT_EQ((*texts)[1].samples.rfind("migration_duration_seconds_count{datname=\"a\"} 3\n", 0),
            0u);
  EXPECT_EQ((*texts)[2].samples, "");
}

TEST(SnapshotStore, ServesLargeFamiliesFromTheCollectorsTextWithoutCopying) {
  mexp::SnapshotStore store(self_metrics);
  auto big = mexp::gauge_family("pg_stat_user_tables_n_live_tup", "Rows.");
  for (int table = 0; table < 8000; ++table)
    mexp::add_gauge(big, {{"datname", "a"}, {"relname", "t_" + std::to_string(table)}}, table);
  const auto part = mexp::serialize_families({gauge("pg_up", "a", 1), big});
  ASSERT_GE((*part)[1].samples.size(), mexp::Snapshot::kSharedPieceBytes);
  store.publish("a", {part});
  const auto snapshot = store.current();
  const auto shared = std::find_if(snapshot->text.begin(), snapshot->text.end(), [&](auto piece) {
    return piece.data() == (*part)[1].samples.data();
  });
  ASSERT_NE(shared, snapshot->text.end()) << "the large family was copied";
  EXPECT_EQ(shared->size(), (*part)[1].samples.size());
  std::vector<prometheus::MetricFamily> all = self_metrics();
  all.push_back(gauge("pg_up", "a", 1));
  all.push_back(big);
  EXPECT_EQ(snapshot->joined_text(), mexp::serialize_text(mexp::merge_families(all)));
  EXPECT_EQ(mexp::gzip_decompress(snapshot->gzip), snapshot->joined_text());
}

TEST(SnapshotStore, AssemblesTheSameBytesAsMergingFamilies) {
  mexp::SnapshotStore store(self_metrics);
  // Two targets, each with families spread over two parts, sharing names across targets.
  const std::vector<prometheus::MetricFamily> a1 = {gauge("pg_up", "a", 1),
                                                    gauge("migration_applied", "a", 12)};
  const std::vector<prometheus::MetricFamily> a2 = {gauge("pg_locks_count", "a", 3),
                                                    mexp::gauge_family("empty_family", "None.")};
  const std::vector<prometheus::MetricFamily> b1 = {gauge("pg_up", "b", 0),
                                                    gauge("migration_applied", "b", 4)};
  store.publish("b", {mexp::serialize_families(b1)});
  store.publish("a", {mexp::serialize_families(a1), mexp::serialize_families(a2)});

  std::vector<prometheus::MetricFamily> all = self_metrics();
  for (const auto* part : {&a1, &a2, &b1}) all.insert(all.end(), part->begin(), part->end());
  const std::string expected = mexp::serialize_text(mexp::merge_families(all));
  const auto snapshot = store.current();
  EXPECT_EQ(snapshot->joined_text(), expected);
  EXPECT_EQ(snapshot->text_bytes, expected.size());
  EXPECT_EQ(snapshot->joined_text().find("empty_family"), std::string::npos);
  EXPECT_EQ(mexp::gzip_decompress(snapshot->gzip), expected);

  // Small families are copied together: this body is one contiguous piece.
  EXPECT_EQ(snapshot->text.size(), 1u);

  store.remove("b");
  EXPECT_EQ(store.current()->joined_text().find("datname=\"b\""), std::string::npos);
  EXPECT_NE(store.current()->joined_text().find("pg_up{datname=\"a\"} 1"), std::string::npos);
}
