// The tables and indexes collectors hand their series over in chunks when the poller asks them to,
// and the text is byte for byte the text of the same series returned at once.
#include <gtest/gtest.h>

#include "exporter/snapshot.h"
#include "tests/support/collector_run.h"
#include "tests/support/test_pg.h"

using mexp::test::CollectorRun;
using mexp::test::TestDatabase;

namespace {

// 250 tables with 4 indexes each: 21 series per table (5,250) and 4 per index plus the
// never-scanned count per table (4,250), enough for each collector to hand over one chunk or more.
constexpr int kTables = 250;

struct ChunkedRun {
  std::string chunked_body;    // as the poller builds it: chunks serialised as they come
  std::string unchunked_body;  // the same series, serialised together
  std::size_t chunks = 0;
  std::size_t largest_chunk = 0;  // in series
};

std::string body_of(std::vector<mexp::FamilyTexts> parts) {
  mexp::SnapshotStore store(nullptr);
  store.publish("a", std::move(parts));
  return store.current()->joined_text();
}

ChunkedRun run_chunked(const std::string& collector, const std::string& dbname,
                       const std::string& options) {
  CollectorRun run(collector, dbname, options);
  ChunkedRun result;
  mexp::FamilyTextsBuilder builder;
  std::vector<prometheus::MetricFamily> all;
  auto last = run.collect([&](std::vector<prometheus::MetricFamily> chunk) {
    std::size_t series = 0;
    for (const auto& family : chunk) series += family.metric.size();
    ++result.chunks;
    result.largest_chunk = std::max(result.largest_chunk, series);
    all.insert(all.end(), chunk.begin(), chunk.end());
    builder.add(std::move(chunk));
  });
  all.insert(all.end(), last.begin(), last.end());
  builder.add(std::move(last));
  result.chunked_body = body_of({std::move(builder).finish()});
  result.unchunked_body = body_of({mexp::serialize_families(std::move(all))});
  return result;
}

}  // namespace

TEST(CollectChunks, TablesAndIndexesGiveTheSameTextInChunks) {
  TestDatabase db;
  db.exec("DO $$ BEGIN FOR i IN 1.." + std::to_string(kTables) +
          " LOOP EXECUTE format('CREATE TABLE public.t_%s (id int PRIMARY KEY, a int, b int, c "
          "int) WITH (autovacuum_enabled = off)', i); EXECUTE format('CREATE INDEX ON "
          "public.t_%s (a)', i); EXECUTE format('CREATE INDEX ON public.t_%s (b)', i); EXECUTE "
          "format('CREATE INDEX ON public.t_%s (c)', i); END LOOP; END $$");

  const auto tables = run_chunked("tables", db.name(), "max_tables = 0");
  EXPECT_EQ(tables.chunked_body, tables.unchunked_body);
  EXPECT_EQ(tables.chunks, 21u * kTables / mexp::kSeriesPerChunk);
  EXPECT_LT(tables.largest_chunk, mexp::kSeriesPerChunk + 21);
  EXPECT_NE(tables.chunked_body.find("pg_stat_user_tables_n_live_tup{datname=\"" + db.name() +
                                     "\",schemaname=\"public\",relname=\"t_250\"} 0\n"),
            std::string::npos);

  const auto indexes = run_chunked("indexes", db.name(), "max_indexes = 0");
  EXPECT_EQ(indexes.chunked_body, indexes.unchunked_body);
  EXPECT_EQ(indexes.chunks, (4u * 4 * kTables + kTables) / mexp::kSeriesPerChunk);
  EXPECT_LT(indexes.largest_chunk, mexp::kSeriesPerChunk + 4);
  EXPECT_NE(indexes.chunked_body.find("pg_stat_user_indexes_never_scanned{datname=\"" + db.name() +
                                      "\",schemaname=\"public\",relname=\"t_1\"} 3\n"),
            std::string::npos);
}
