// The HTTP listener (Boost.Beast on Asio): keep-alive connections, bounded request sizes,
// deadlines for every phase of a connection, and slots that one client cannot take all of.
// Answers come from a Routes object.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "exporter/connection_slots.h"
#include "exporter/http_routes.h"
#include "exporter/web_config.h"

namespace mexp {

struct HttpLimits {
  // Lowered at start to what RLIMIT_NOFILE allows (see fit_to_descriptors).
  SlotLimits slots;
  std::size_t header_limit = 8 * 1024;
  std::size_t body_limit = 4 * 1024;
  // From a new connection (TLS handshake included), or from the first byte of a request on a kept
  // connection, to the end of the request: a client that trickles its headers cannot hold a slot.
  std::chrono::milliseconds request_timeout{5000};
  // A kept-alive connection may wait this long for its next request.
  std::chrono::milliseconds idle_timeout{60000};
  // A reply must be read within this; slow readers also face the PinnedWrites bound.
  std::chrono::milliseconds write_timeout{30000};
  // A probe-only connection (past the cap) must deliver its request within this.
  std::chrono::milliseconds probe_timeout{1000};
  unsigned password_check_threads = 1;
  std::size_t max_pending_password_checks = 16;
};

// host:port, [v6]:port or :port (all interfaces). Throws std::invalid_argument.
struct ListenAddress {
  std::string host;
  unsigned short port = 0;
};
ListenAddress parse_listen_address(std::string_view text);

struct ServerState;

class HttpServer {
 public:
  using Observer = std::function<void(std::string_view route, unsigned status)>;
  // Binds immediately; throws std::runtime_error naming the address (or the TLS file) when it
  // cannot. `web` adds TLS, basic auth and extra headers (the --web.config.file settings); when
  // it was read from a file, the file is re-read when it (or a file it names) changes.
  HttpServer(boost::asio::io_context& io, const std::string& listen_address, const Routes& routes,
             Observer observe, const WebConfig& web = {}, HttpLimits limits = {});
  ~HttpServer();
  void start();
  void stop();
  unsigned short port() const;
  const SlotLimits& slot_limits() const;

 private:
  std::shared_ptr<ServerState> state_;  // shared with the connections, which outlive a stop()
};

}  // namespace mexp
