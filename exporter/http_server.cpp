// The listener: binding, the accept loop (with its back-off when descriptors run out), and
// handing each connection a slot.
#include "exporter/http_server.h"

#include <algorithm>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/strand.hpp>
#include <stdexcept>

#include "core/log.h"
#include "exporter/http_server_state.h"

namespace mexp {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

ListenAddress parse_listen_address(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos)
    throw std::invalid_argument("listen address needs a port: " + std::string(text));
  std::string host(text.substr(0, colon));
  const std::string port_text(text.substr(colon + 1));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  char* end = nullptr;
  const long port = std::strtol(port_text.c_str(), &end, 10);
  if (port_text.empty() || *end != '\0' || port < 0 || port > 65535) {
    throw std::invalid_argument("invalid port in listen address: " + std::string(text));
  }
  return {host, static_cast<unsigned short>(port)};
}

ServerState::ServerState(asio::io_context& io_context, const Routes& r, HttpServer::Observer o,
                         const WebConfig& web_config, HttpLimits l)
    : io(io_context),
      acceptor(asio::make_strand(io_context)),
      routes(r),
      observe(std::move(o)),
      limits(l),
      web(web_config),
      slots(l.slots),
      password_checks(l.password_check_threads, l.max_pending_password_checks),
      accept_retry(acceptor.get_executor()) {}

namespace {

// A client turned away before anything is read: past the cap and the probe-only allowance.
void refuse(tcp::socket& socket, bool tls) {
  boost::system::error_code ignored;
  if (!tls) {
    static constexpr std::string_view kReply =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Length: 25\r\nConnection: close\r\n\r\n503 too many connections\n";
    socket.non_blocking(true, ignored);
    socket.write_some(asio::buffer(kReply), ignored);  // a fresh socket's buffer takes it whole
  }
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

}  // namespace

void ServerState::accept() {
  acceptor.async_accept(
      asio::make_strand(io),
      [self = shared_from_this()](boost::system::error_code error, tcp::socket socket) {
        if (self->stopped.load()) return;
        if (error) return self->on_accept_error(error);
        if (self->accept_backoff.count() > 0) {
          log::info("accepting connections again");
          self->accept_backoff = {};
        }
        boost::system::error_code no_peer;
        const auto peer = socket.remote_endpoint(no_peer);
        auto slot = self->slots.acquire(no_peer ? asio::ip::address() : peer.address());
        if (slot.kind() == SlotKind::refused) {
          refuse(socket, self->web.tls());
        } else {
          start_session(self, std::move(socket), std::move(slot));
        }
        self->accept();
      });
}

void ServerState::on_accept_error(const boost::system::error_code& error) {
  if (error == asio::error::operation_aborted) return;
  // A client that gave up while queued: nothing wrong here, take the next one.
  if (error == asio::error::connection_aborted) return accept();
  // EMFILE, ENFILE, ENOBUFS...: the pending connection stays queued, so accepting again at once
  // fails again at once (a busy loop, a log line each time). Pause, doubling up to a second, and
  // say so once until an accept succeeds.
  if (accept_backoff.count() == 0) {
    log::warn("accept failed; pausing new connections and retrying",
              {{"err", error.message()},
               {"hint", "raise the open files limit (ulimit -n) or lower the connection count"}});
  }
  accept_backoff = std::clamp(accept_backoff * 2, std::chrono::milliseconds(10),
                              std::chrono::milliseconds(1000));
  accept_retry.expires_after(accept_backoff);
  accept_retry.async_wait([self = shared_from_this()](boost::system::error_code wait_error) {
    if (!wait_error && !self->stopped.load()) self->accept();
  });
}

HttpServer::HttpServer(asio::io_context& io, const std::string& listen_address,
                       const Routes& routes, Observer observe, const WebConfig& web,
                       HttpLimits limits)
    : state_(std::make_shared<ServerState>(io, routes, std::move(observe), web, [&limits] {
        const auto descriptors = raise_descriptor_limit();
        limits.slots = fit_to_descriptors(limits.slots, descriptors);
        log::info("connection limits",
                  {{"max_connections", std::to_string(limits.slots.max_connections)},
                   {"per_client", std::to_string(limits.slots.per_client)},
                   {"probe_only", std::to_string(limits.slots.probe_only)},
                   {"open_files_limit", std::to_string(descriptors)}});
        return limits;
      }())) {
  const auto address = parse_listen_address(listen_address);
  boost::system::error_code error;
  tcp::endpoint endpoint;
  if (address.host.empty()) {
    endpoint = tcp::endpoint(tcp::v6(), address.port);  // dual-stack: IPv4 and IPv6
  } else {
    tcp::resolver resolver(io);
    auto results = resolver.resolve(address.host, std::to_string(address.port), error);
    if (error || results.empty()) {
      throw std::runtime_error("cannot resolve listen address " + listen_address + ": " +
                               error.message());
    }
    endpoint = results.begin()->endpoint();
  }
  auto& acceptor = state_->acceptor;
  acceptor.open(endpoint.protocol(), error);
  if (!error && endpoint.protocol() == tcp::v6() && address.host.empty()) {
    acceptor.set_option(asio::ip::v6_only(false), error);
  }
  if (error && address.host.empty()) {
    // No IPv6 on this machine: fall back to IPv4 any.
    error = {};
    if (acceptor.is_open()) acceptor.close(error);
    endpoint = tcp::endpoint(tcp::v4(), address.port);
    acceptor.open(endpoint.protocol(), error);
  }
  if (!error) acceptor.set_option(asio::socket_base::reuse_address(true), error);
  if (!error) acceptor.bind(endpoint, error);
  if (!error) acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error)
    throw std::runtime_error("cannot listen on " + listen_address + ": " + error.message());
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() { state_->accept(); }

void HttpServer::stop() {
  if (state_->stopped.exchange(true)) return;
  asio::post(state_->acceptor.get_executor(), [state = state_] {
    boost::system::error_code ignored;
    state->acceptor.close(ignored);
    state->accept_retry.cancel();
  });
}

unsigned short HttpServer::port() const { return state_->acceptor.local_endpoint().port(); }

const SlotLimits& HttpServer::slot_limits() const { return state_->slots.limits(); }

}  // namespace mexp
