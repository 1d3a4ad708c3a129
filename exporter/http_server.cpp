// Beast listener and per-connection sessions, over plain TCP or TLS.
#include "exporter/http_server.h"

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <limits>
#include <optional>
#include <stdexcept>
#include <vector>

#include "core/log.h"
#include "exporter/basic_auth.h"

namespace mexp {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
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

namespace {

int tls_version(const std::string& name) {
  if (name == "TLS10") return TLS1_VERSION;
  if (name == "TLS11") return TLS1_1_VERSION;
  if (name == "TLS13") return TLS1_3_VERSION;
  return TLS1_2_VERSION;
}

std::unique_ptr<ssl::context> make_tls_context(const TlsServerConfig& config) {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(context->native_handle(), tls_version(config.min_version));
  if (!config.max_version.empty())
    SSL_CTX_set_max_proto_version(context->native_handle(), tls_version(config.max_version));
  const auto load = [&](const char* what, const std::string& file, auto&& action) {
    beast::error_code error;
    action(error);
    if (error)
      throw std::runtime_error(std::string("TLS ") + what + " '" + file + "': " + error.message());
  };
  load("certificate", config.cert_file,
       [&](beast::error_code& e) { context->use_certificate_chain_file(config.cert_file, e); });
  load("key", config.key_file, [&](beast::error_code& e) {
    context->use_private_key_file(config.key_file, ssl::context::pem, e);
  });
  if (!config.client_ca_file.empty()) {
    load("client CA", config.client_ca_file,
         [&](beast::error_code& e) { context->load_verify_file(config.client_ca_file, e); });
  }
  const auto& type = config.client_auth_type;
  if (type == "RequestClientCert" || type == "RequireAnyClientCert") {
    // Ask for a certificate but do not verify it (Go's semantics for these two modes).
    context->set_verify_mode(
        ssl::verify_peer | (type == "RequireAnyClientCert" ? ssl::verify_fail_if_no_peer_cert : 0));
    context->set_verify_callback([](bool, ssl::verify_context&) { return true; });
  } else if (type == "VerifyClientCertIfGiven") {
    context->set_verify_mode(ssl::verify_peer);
  } else if (type == "RequireAndVerifyClientCert") {
    context->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  } else {
    context->set_verify_mode(ssl::verify_none);
  }
  return context;
}

}  // namespace

struct HttpServer::State : std::enable_shared_from_this<HttpServer::State> {
  State(asio::io_context& io_context, const Routes& r, Observer o, const WebConfig& web,
        HttpLimits l)
      : io(io_context),
        acceptor(asio::make_strand(io_context)),
        routes(r),
        observe(std::move(o)),
        limits(l),
        auth(web.basic_auth_users),
        headers(web.headers),
        tls(web.tls ? make_tls_context(*web.tls) : nullptr) {}
  asio::io_context& io;
  tcp::acceptor acceptor;
  const Routes& routes;
  Observer observe;
  HttpLimits limits;
  BasicAuth auth;
  std::vector<std::pair<std::string, std::string>> headers;
  std::unique_ptr<ssl::context> tls;
  std::atomic<std::size_t> connections{0};
  std::atomic<bool> stopped{false};

  void accept();
};

namespace {

// One connection. Stream is beast::tcp_stream or beast::ssl_stream<beast::tcp_stream>.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  template <class... StreamArgs>
  Session(std::shared_ptr<HttpServer::State> server, StreamArgs&&... args)
      : stream_(std::forward<StreamArgs>(args)...), server_(std::move(server)) {}
  ~Session() { server_->connections.fetch_sub(1); }

  void run(bool over_capacity) {
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this(), over_capacity] {
      if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
        self->start(over_capacity);
      } else {
        beast::get_lowest_layer(self->stream_).expires_after(self->server_->limits.idle_timeout);
        self->stream_.async_handshake(ssl::stream_base::server,
                                      [self, over_capacity](beast::error_code error) {
                                        if (error) {
                                          self->close();
                                          return;
                                        }
                                        self->start(over_capacity);
                                      });
      }
    });
  }

 private:
  void start(bool over_capacity) {
    if (!over_capacity) {
      read();
      return;
    }
    HttpReply reply;
    reply.status = 503;
    reply.route = "other";
    reply.owned = "503 too many connections\n";
    respond(std::move(reply), false, false);
  }

  void read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_->limits.header_limit));
    parser_->body_limit(server_->limits.body_limit);
    beast::get_lowest_layer(stream_).expires_after(server_->limits.idle_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code error, std::size_t) {
                       self->on_read(error);
                     });
  }

  void on_read(beast::error_code error) {
    if (error == http::error::end_of_stream || error == beast::error::timeout ||
        error == asio::error::eof || error == asio::error::connection_reset ||
        error == asio::error::operation_aborted ||
        error.category() == asio::error::get_ssl_category() ||
        error == ssl::error::stream_truncated) {
      close();
      return;
    }
    if (error) {
      // A malformed or oversized request: answer 4xx and close; never crash, never hang.
      HttpReply reply;
      reply.route = "other";
      if (error == http::error::header_limit) {
        reply.status = 431;
        reply.owned = "431 request header fields too large\n";
      } else if (error == http::error::body_limit) {
        reply.status = 413;
        reply.owned = "413 payload too large\n";
      } else {
        reply.status = 400;
        reply.owned = "400 bad request\n";
      }
      respond(std::move(reply), false, false);
      return;
    }
    const auto& request = parser_->get();
    const bool keep_alive = request.keep_alive() && !server_->stopped.load();
    const bool head = request.method() == http::verb::head;
    if (!server_->auth.allows(request[http::field::authorization])) {
      HttpReply reply;
      reply.status = 401;
      reply.route = "other";
      reply.owned = "401 unauthorized\n";
      reply.headers.emplace_back("WWW-Authenticate", "Basic realm=\"migration_exporter\"");
      respond(std::move(reply), keep_alive, head, request.version());
      return;
    }
    const std::string accept_encoding(request[http::field::accept_encoding]);
    HttpRequestView view{request.method_string(), request.target(), accept_encoding};
    respond(server_->routes.handle(view), keep_alive, head, request.version());
  }

  void respond(HttpReply reply, bool keep_alive, bool head, unsigned version = 11) {
    reply_ = std::move(reply);
    if (server_->observe) server_->observe(reply_.route, reply_.status);
    format_header(reply_.size(), keep_alive, version);
    buffers_.assign(1, asio::buffer(header_));
    if (!head && reply_.owner) {
      for (const auto piece : reply_.body) buffers_.push_back(asio::buffer(piece));
    } else if (!head) {
      buffers_.push_back(asio::buffer(reply_.owned));
    }
    beast::get_lowest_layer(stream_).expires_after(server_->limits.idle_timeout);
    asio::async_write(
        stream_, buffers_, write_whole,
        [self = this->shared_from_this(), keep_alive](beast::error_code error, std::size_t) {
          if (error || !keep_alive) {
            self->close();
            return;
          }
          self->read();
        });
  }

  // asio::async_write's default completion condition hands the stream 64 KiB per write_some, which
  // turns a 7 MB body into ~110 system calls and reactor round trips; offer everything that is
  // left instead and let the kernel take what fits in the socket buffer.
  static std::size_t write_whole(const beast::error_code& error, std::size_t) {
    return error ? 0 : std::numeric_limits<std::size_t>::max();
  }

  // The status line and headers as HTTP/1.x text, written with the body's pieces in one gather
  // write. Beast's response serializer walked a nested buffer sequence on every partial write of a
  // large body and allocated every header field; a scrape answers the same few headers each time,
  // so they are formatted into a buffer the connection reuses.
  void format_header(std::size_t content_length, bool keep_alive, unsigned version) {
    const auto status = static_cast<http::status>(reply_.status);
    header_.assign(version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
    header_ += std::to_string(reply_.status);
    header_ += ' ';
    header_ += http::obsolete_reason(status);
    const auto add = [this](std::string_view name, std::string_view value) {
      // A line break would end the header (response splitting): such a header is left out.
      if (name.find_first_of("\r\n") != std::string_view::npos ||
          value.find_first_of("\r\n") != std::string_view::npos)
        return;
      header_ += "\r\n";
      header_ += name;
      header_ += ": ";
      header_ += value;
    };
    // Headers from the web configuration replace the exporter's own of the same name.
    const auto configured = [this](std::string_view name) {
      return std::any_of(server_->headers.begin(), server_->headers.end(),
                         [&](const auto& header) { return beast::iequals(header.first, name); });
    };
    if (!configured("Server")) add("Server", "migration_exporter");
    if (!configured("Content-Type")) add("Content-Type", reply_.content_type);
    if (!reply_.content_encoding.empty()) add("Content-Encoding", reply_.content_encoding);
    for (const auto& [name, value] : server_->headers) add(name, value);
    for (const auto& [name, value] : reply_.headers) add(name, value);
    add("Content-Length", std::to_string(content_length));
    // HTTP/1.1 keeps the connection by default, HTTP/1.0 closes it by default.
    if (version == 10 && keep_alive) add("Connection", "keep-alive");
    if (version != 10 && !keep_alive) add("Connection", "close");
    header_ += "\r\n\r\n";
  }

  void close() {
    // For TLS the close_notify exchange is skipped on purpose: a client that stopped reading must
    // not hold the connection; the socket is shut down either way.
    beast::error_code ignored;
    auto& socket = beast::get_lowest_layer(stream_).socket();
    socket.shutdown(tcp::socket::shutdown_send, ignored);
    beast::get_lowest_layer(stream_).close();
  }

  Stream stream_;
  std::shared_ptr<HttpServer::State> server_;
  beast::flat_buffer buffer_{8192};
  std::optional<http::request_parser<http::string_body>> parser_;
  HttpReply reply_;
  std::string header_;
  std::vector<asio::const_buffer> buffers_;  // header_ and the body's pieces
};

}  // namespace

void HttpServer::State::accept() {
  acceptor.async_accept(asio::make_strand(io), [self = shared_from_this()](beast::error_code error,
                                                                           tcp::socket socket) {
    if (self->stopped.load()) return;
    if (!error) {
      const bool over_capacity = self->connections.fetch_add(1) >= self->limits.max_connections;
      if (self->tls) {
        std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(self, std::move(socket),
                                                                        *self->tls)
            ->run(over_capacity);
      } else {
        std::make_shared<Session<beast::tcp_stream>>(self, std::move(socket))->run(over_capacity);
      }
    } else if (error != asio::error::operation_aborted) {
      log::warn("accept failed", {{"err", error.message()}});
    }
    self->accept();
  });
}

HttpServer::HttpServer(asio::io_context& io, const std::string& listen_address,
                       const Routes& routes, Observer observe, const WebConfig& web,
                       HttpLimits limits)
    : state_(std::make_shared<State>(io, routes, std::move(observe), web, limits)) {
  const auto address = parse_listen_address(listen_address);
  beast::error_code error;
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
    beast::error_code ignored;
    state->acceptor.close(ignored);
  });
}

unsigned short HttpServer::port() const { return state_->acceptor.local_endpoint().port(); }

}  // namespace mexp
