// Routing decisions, without sockets: paths, methods, gzip negotiation, readiness.
#include "exporter/http_routes.h"

#include <gtest/gtest.h>

#include "core/metric_builder.h"
#include "exporter/gzip.h"

namespace {
mexp::SnapshotStore store_with_one_gauge() {
  return mexp::SnapshotStore([] {
    auto family = mexp::gauge_family("test_gauge", "A gauge.");
    mexp::add_gauge(family, {{"a", "b"}}, 42);
    return std::vector<prometheus::MetricFamily>{family};
  });
}
}  // namespace

TEST(AcceptsGzip, FollowsTheHeaderGrammar) {
  EXPECT_TRUE(mexp::accepts_gzip("gzip"));
  EXPECT_TRUE(mexp::accepts_gzip("deflate, GZIP;q=0.5"));
  EXPECT_TRUE(mexp::accepts_gzip("*"));
  EXPECT_FALSE(mexp::accepts_gzip(""));
  EXPECT_FALSE(mexp::accepts_gzip("identity"));
  EXPECT_FALSE(mexp::accepts_gzip("gzip;q=0"));
  EXPECT_FALSE(mexp::accepts_gzip("gzip;q=0.0, br"));
}

TEST(Routes, MetricsServesTheSnapshotPlainOrGzipped) {
  auto store = store_with_one_gauge();
  mexp::Routes routes(store, {});
  auto plain = routes.handle({"GET", "/metrics", ""});
  EXPECT_EQ(plain.status, 200u);
  EXPECT_EQ(plain.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(plain.bytes().find("test_gauge{a=\"b\"} 42"), std::string_view::npos);
  auto zipped = routes.handle({"GET", "/metrics?x=1", "gzip, deflate"});
  EXPECT_EQ(zipped.content_encoding, "gzip");
  EXPECT_EQ(mexp::gzip_decompress(zipped.bytes()), std::string(plain.bytes()));
  EXPECT_EQ(zipped.route, "/metrics");
}

TEST(Routes, UnknownPathsAndMethodsAreClientErrors) {
  auto store = store_with_one_gauge();
  mexp::Routes routes(store, {});
  auto missing = routes.handle({"GET", "/admin", ""});
  EXPECT_EQ(missing.status, 404u);
  EXPECT_EQ(missing.route, "other") << "unknown paths share one label value: bounded cardinality";
  auto post = routes.handle({"POST", "/metrics", ""});
  EXPECT_EQ(post.status, 405u);
  ASSERT_EQ(post.headers.size(), 1u);
  EXPECT_EQ(post.headers[0].second, "GET, HEAD");
}

TEST(Routes, ReadinessFollowsTheFirstPoll) {
  auto store = store_with_one_gauge();
  bool ready = false;
  mexp::Routes routes(store,
                      {.ready = [&ready] { return ready; }, .targets_html = {}, .reload = {}});
  EXPECT_EQ(routes.handle({"GET", "/readyz", ""}).status, 503u);
  ready = true;
  EXPECT_EQ(routes.handle({"GET", "/readyz", ""}).status, 200u);
  EXPECT_EQ(routes.handle({"GET", "/healthz", ""}).status, 200u);
  auto landing = routes.handle({"GET", "/", ""});
  EXPECT_EQ(landing.content_type, "text/html; charset=utf-8");
  EXPECT_NE(landing.bytes().find("href=\"metrics\""), std::string_view::npos);
}

TEST(MergeFamilies, SameNameFromSeveralTargetsBecomesOneBlock) {
  auto a = mexp::gauge_family("pg_up", "up");
  mexp::add_gauge(a, {{"target", "a"}}, 1);
  auto b = mexp::gauge_family("pg_up", "up");
  mexp::add_gauge(b, {{"target", "b"}}, 0);
  auto empty = mexp::gauge_family("nothing", "no samples");
  const auto text = mexp::serialize_text(mexp::merge_families({a, b, empty}));
  EXPECT_EQ(text.find("# TYPE pg_up gauge"), text.rfind("# TYPE pg_up gauge"));
  EXPECT_NE(text.find("pg_up{target=\"b\"} 0"), std::string::npos);
  EXPECT_EQ(text.find("nothing"), std::string::npos);
}

TEST(Routes, ReloadNeedsPostAndKeepsConfigurationErrorsOutOfTheBody) {
  auto store = store_with_one_gauge();
  auto outcome = mexp::ReloadOutcome::rejected;
  int calls = 0;
  mexp::Routes routes(store, {.ready = {}, .targets_html = {}, .reload = [&] {
                                ++calls;
                                return outcome;
                              }});
  EXPECT_EQ(routes.handle({"GET", "/-/reload", ""}).status, 405u);
  EXPECT_EQ(calls, 0) << "a GET must not reload";
  auto rejected = routes.handle({"POST", "/-/reload", ""});
  EXPECT_EQ(rejected.status, 500u);
  EXPECT_EQ(rejected.bytes(),
            "configuration rejected, the previous one stays active; the errors are in the "
            "exporter's log\n");
  outcome = mexp::ReloadOutcome::queued;
  EXPECT_EQ(routes.handle({"POST", "/-/reload", ""}).status, 202u);
  outcome = mexp::ReloadOutcome::applied;
  EXPECT_EQ(routes.handle({"PUT", "/-/reload", ""}).status, 200u);
  EXPECT_EQ(calls, 3);
}

TEST(Routes, ReloadIsForbiddenUnlessTheLifecycleApiIsEnabled) {
  auto store = store_with_one_gauge();
  mexp::Routes routes(store, {.ready = {}, .targets_html = {}, .reload = {}});
  auto reply = routes.handle({"POST", "/-/reload", ""});
  EXPECT_EQ(reply.status, 403u);
  EXPECT_EQ(reply.bytes(), "lifecycle API is not enabled (start with --web.enable-lifecycle)\n");
}

TEST(Routes, TelemetryPathMovesTheMetrics) {
  auto store = store_with_one_gauge();
  mexp::Routes routes(
      store,
      {.ready = {}, .targets_html = {}, .reload = {}, .telemetry_path = "/prometheus/metrics"});
  EXPECT_EQ(routes.handle({"GET", "/metrics", ""}).status, 404u);
  auto metrics = routes.handle({"GET", "/prometheus/metrics", ""});
  EXPECT_EQ(metrics.status, 200u);
  EXPECT_NE(metrics.bytes().find("test_gauge"), std::string::npos);
  EXPECT_NE(routes.handle({"GET", "/", ""}).bytes().find("href=\"prometheus/metrics\""),
            std::string::npos);
}

TEST(QueryParameter, FindsAndPercentDecodesOneParameter) {
  EXPECT_EQ(mexp::query_parameter("/probe?target=db1%3A5432%2Fapp", "target"), "db1:5432/app");
  EXPECT_EQ(mexp::query_parameter("/probe?x=1&target=a+b&target=c", "target"), "a b");
  EXPECT_EQ(mexp::query_parameter("/probe?target=", "target"), "");
  EXPECT_EQ(mexp::query_parameter("/probe?target=100%", "target"), "100%");  // kept as written
  EXPECT_EQ(mexp::query_parameter("/probe?targets=a", "target"), std::nullopt);
  EXPECT_EQ(mexp::query_parameter("/probe", "target"), std::nullopt);
}

TEST(Routes, ProbeServesOneTargetsSeriesAlone) {
  auto store = store_with_one_gauge();
  const auto publish = [&](const std::string& key, double value) {
    auto family = mexp::gauge_family("pg_up", "Up.");
    mexp::add_gauge(family, {{"target", key.substr(0, key.find('\x1f'))}}, value);
    store.publish(key, {mexp::serialize_families({family})});
  };
  publish("east", 1);
  publish("west", 0);
  publish(std::string("west") + mexp::kStoreMemberSeparator + "databases", 1);
  mexp::Routes routes(store, {});

  const auto west = routes.handle({"GET", "/probe?target=west", "gzip"});
  EXPECT_EQ(west.status, 200u);
  EXPECT_EQ(west.content_encoding, "");
  EXPECT_EQ(west.bytes(),
            "# HELP pg_up Up.\n# TYPE pg_up gauge\npg_up{target=\"west\"} 0\n"
            "pg_up{target=\"west\"} 1\n")
      << "the target's own part and its discovered databases' part, nothing of east nor the "
         "exporter's own series";
  EXPECT_EQ(west.route, "/probe");
  EXPECT_EQ(routes.handle({"GET", "/probe?target=north", ""}).status, 404u);
  EXPECT_EQ(routes.handle({"GET", "/probe?target=wes", ""}).status, 404u);
  EXPECT_EQ(routes.handle({"GET", "/probe", ""}).status, 400u);
  EXPECT_EQ(routes.handle({"POST", "/probe?target=west", ""}).status, 405u);
  EXPECT_NE(routes.handle({"GET", "/metrics", ""}).bytes().find("pg_up{target=\"east\"} 1"),
            std::string::npos);
}
