// The request rules RFC 9110/9112 set and routing must follow: absolute-form targets, Host,
// Accept-Encoding with explicit refusals, over-long targets.
#include <gtest/gtest.h>

#include "core/metric_builder.h"
#include "exporter/http_routes.h"

namespace {

mexp::SnapshotStore one_gauge_store() {
  return mexp::SnapshotStore([] {
    auto family = mexp::gauge_family("test_gauge", "A gauge.");
    mexp::add_gauge(family, {{"a", "b"}}, 1);
    return std::vector<prometheus::MetricFamily>{family};
  });
}

}  // namespace

TEST(AcceptsGzip, AnExplicitRefusalBeatsTheWildcard) {
  EXPECT_FALSE(mexp::accepts_gzip("gzip;q=0, *;q=0.5"));
  EXPECT_FALSE(mexp::accepts_gzip("*;q=0.5, gzip;q=0"));
  EXPECT_TRUE(mexp::accepts_gzip("*;q=0.5"));
  EXPECT_TRUE(mexp::accepts_gzip("gzip;q=0.5, *;q=0"));
  EXPECT_FALSE(mexp::accepts_gzip("br, *;q=0"));
  EXPECT_TRUE(mexp::accepts_gzip("gzip;level=1;q=0.8"));
  EXPECT_FALSE(mexp::accepts_gzip("gzip;level=1;q=0"));
}

TEST(RequestPath, AbsoluteFormTargetsRouteByTheirPath) {
  EXPECT_EQ(mexp::request_path("/metrics?a=b"), "/metrics");
  EXPECT_EQ(mexp::request_path("http://exporter:10211/metrics"), "/metrics");
  EXPECT_EQ(mexp::request_path("HTTPS://exporter/healthz?x=1"), "/healthz");
  EXPECT_EQ(mexp::request_path("http://exporter"), "/");
  EXPECT_EQ(mexp::request_path("http://exporter?x=1"), "/");
  EXPECT_EQ(mexp::request_path("ftp://exporter/metrics"), "ftp://exporter/metrics");
  auto store = one_gauge_store();
  mexp::Routes routes(store, {});
  const auto reply = routes.handle({"GET", "http://127.0.0.1:10211/metrics", ""});
  EXPECT_EQ(reply.status, 200u);
  EXPECT_EQ(reply.route, "/metrics");
}

TEST(Routes, Http11NeedsExactlyOneHost) {
  auto store = one_gauge_store();
  mexp::Routes routes(store, {});
  EXPECT_EQ(routes.handle({"GET", "/healthz", "", 11, 0}).status, 400u);
  EXPECT_EQ(routes.handle({"GET", "/healthz", "", 11, 2}).status, 400u);
  EXPECT_EQ(routes.handle({"GET", "/healthz", "", 11, 1}).status, 200u);
  EXPECT_EQ(routes.handle({"GET", "/healthz", "", 10, 0}).status, 200u) << "HTTP/1.0 may omit it";
}

TEST(Routes, OverLongTargetsAre414) {
  auto store = one_gauge_store();
  mexp::Routes routes(store, {});
  const std::string target = "/metrics?" + std::string(mexp::kMaxTargetBytes, 'a');
  EXPECT_EQ(routes.handle({"GET", target, ""}).status, 414u);
}

TEST(ProbePaths, AreHealthzAndReadyzOnly) {
  EXPECT_TRUE(mexp::is_probe_path("/healthz"));
  EXPECT_TRUE(mexp::is_probe_path("/readyz"));
  EXPECT_FALSE(mexp::is_probe_path("/metrics"));
  EXPECT_FALSE(mexp::is_probe_path("/"));
  EXPECT_FALSE(mexp::is_probe_path("/-/reload"));
}
