// libFuzzer target: any bytes as an HTTP request, through Beast's parser (with the server's
// limits) and our routing (absolute-form targets, Host checks, gzip negotiation, long targets).
// Never a crash; every parsed request gets a status the server can send.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <cstdlib>

#include "core/metric_builder.h"
#include "exporter/http_routes.h"

namespace http = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static mexp::SnapshotStore store([] {
    auto family = mexp::gauge_family("fuzz_gauge", "A gauge.");
    mexp::add_gauge(family, {{"a", "b"}}, 1);
    return std::vector<prometheus::MetricFamily>{family};
  });
  static mexp::Routes routes(store, {.ready = [] { return true; },
                                     .targets_html = [] { return std::string("<p>t</p>"); },
                                     .reload = [] { return mexp::ReloadOutcome::rejected; }});
  http::request_parser<http::string_body> parser;
  parser.header_limit(8 * 1024);  // the server's HttpLimits defaults
  parser.body_limit(4 * 1024);
  parser.eager(true);
  boost::beast::error_code error;
  parser.put(boost::asio::buffer(data, size), error);
  if (!error && !parser.is_done()) parser.put_eof(error);
  if (error || !parser.is_done()) return 0;
  const auto& request = parser.get();
  const std::string accept_encoding(request[http::field::accept_encoding]);
  mexp::accepts_gzip(accept_encoding);
  const auto reply = routes.handle({request.method_string(), request.target(), accept_encoding,
                                    request.version(), request.count(http::field::host)});
  if (reply.status < 200 || reply.status > 599 || reply.route.empty()) std::abort();
  return 0;
}
