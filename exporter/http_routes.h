// What each HTTP path answers: /metrics from the snapshot (gzip when asked), the landing page,
// health and readiness. Knows bytes and paths; never SQL, never sockets.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "exporter/snapshot.h"

namespace mexp {

struct HttpRequestView {
  std::string_view method;
  std::string_view target;  // path and query
  std::string_view accept_encoding;
};

struct HttpReply {
  unsigned status = 200;
  std::string
      route;  // the known path, or "other": the label of migration_exporter_http_requests_total
  std::string content_type = "text/plain; charset=utf-8";
  std::string content_encoding;  // "" or "gzip"
  std::vector<std::pair<std::string, std::string>> headers;
  // The body is either the concatenation of views into a shared snapshot (kept alive by `owner`)
  // or `owned`.
  std::shared_ptr<const void> owner;
  std::span<const std::string_view> body;
  std::string owned;
  std::size_t size() const;
  std::string bytes() const;  // the whole body as one string (a copy: for tests)
};

// What a reload request came to. The configuration errors themselves go to the log only: an HTTP
// body is no place for text that may hold parts of a DSN.
enum class ReloadOutcome { applied, rejected, queued };

struct RouteHooks {
  std::function<bool()> ready;                // every target finished its first poll
  std::function<std::string()> targets_html;  // landing page fragment
  // POST /-/reload; unset unless --web.enable-lifecycle (then the path answers 403).
  std::function<ReloadOutcome()> reload;
  std::string telemetry_path = "/metrics";  // --web.telemetry-path
};

class Routes {
 public:
  Routes(const SnapshotStore& store, RouteHooks hooks) : store_(store), hooks_(std::move(hooks)) {}
  HttpReply handle(const HttpRequestView& request) const;

 private:
  const SnapshotStore& store_;
  RouteHooks hooks_;
};

// True when an Accept-Encoding header value accepts gzip (a "gzip" or "*" token whose q is not 0).
bool accepts_gzip(std::string_view accept_encoding);

}  // namespace mexp
