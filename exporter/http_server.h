// The HTTP listener (Boost.Beast on Asio): keep-alive connections, bounded request sizes, idle
// timeouts and a cap on concurrent connections. Answers come from a Routes object.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "exporter/http_routes.h"
#include "exporter/web_config.h"

namespace mexp {

struct HttpLimits {
  std::size_t max_connections = 512;
  std::size_t header_limit = 8 * 1024;
  std::size_t body_limit = 4 * 1024;
  std::chrono::seconds idle_timeout{60};
};

// host:port, [v6]:port or :port (all interfaces). Throws std::invalid_argument.
struct ListenAddress {
  std::string host;
  unsigned short port = 0;
};
ListenAddress parse_listen_address(std::string_view text);

class HttpServer {
 public:
  using Observer = std::function<void(std::string_view route, unsigned status)>;
  // Binds immediately; throws std::runtime_error naming the address (or the TLS file) when it
  // cannot. `web` adds TLS, basic auth and extra headers (the --web.config.file settings).
  HttpServer(boost::asio::io_context& io, const std::string& listen_address, const Routes& routes,
             Observer observe, const WebConfig& web = {}, HttpLimits limits = {});
  ~HttpServer();
  void start();
  void stop();
  unsigned short port() const;

  struct State;  // shared with the connections, which outlive a stop()

 private:
  std::shared_ptr<State> state_;
};

}  // namespace mexp
