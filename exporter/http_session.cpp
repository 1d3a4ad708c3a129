// One HTTP connection over plain TCP or TLS: read a request under its deadline, check credentials
// off the I/O threads, answer, wait for the next request under the idle deadline.
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <limits>
#include <optional>
#include <vector>

#include "exporter/http_reply_writer.h"
#include "exporter/http_server_state.h"

namespace mexp {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

HttpReply plain_reply(unsigned status, std::string body) {
  HttpReply reply;
  reply.status = status;
  reply.route = "other";
  reply.owned = std::move(body);
  return reply;
}

// Stream is beast::tcp_stream or beast::ssl_stream<beast::tcp_stream>.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  template <class... StreamArgs>
  Session(std::shared_ptr<ServerState> server, std::shared_ptr<WebSettings> settings,
          ConnectionSlots::Slot slot, StreamArgs&&... args)
      : stream_(std::forward<StreamArgs>(args)...),
        server_(std::move(server)),
        settings_(std::move(settings)),
        slot_(std::move(slot)) {}
  ~Session() { server_->pinned.remove(pin_); }

  void run() {
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
        self->read_request();
      } else {
        beast::get_lowest_layer(self->stream_).expires_after(self->request_deadline());
        self->stream_.async_handshake(ssl::stream_base::server, [self](beast::error_code error) {
          if (error) return self->close();
          self->read_request();
        });
      }
    });
  }

 private:
  bool probe_only() const { return slot_.kind() == SlotKind::probe_only; }
  std::chrono::milliseconds request_deadline() const {
    return probe_only() ? server_->limits.probe_timeout : server_->limits.request_timeout;
  }

  // Between requests on a kept connection: the long idle deadline runs until the next request's
  // first byte, the short request deadline from then on.
  void wait_for_request() {
    if (buffer_.size() > 0) return read_request();  // pipelined: already here
    beast::get_lowest_layer(stream_).expires_after(server_->limits.idle_timeout);
    stream_.async_read_some(buffer_.prepare(1024), [self = this->shared_from_this()](
                                                       beast::error_code error, std::size_t n) {
      self->buffer_.commit(n);
      if (error) return self->close();
      self->read_request();
    });
  }

  void read_request() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_->limits.header_limit));
    parser_->body_limit(server_->limits.body_limit);
    beast::get_lowest_layer(stream_).expires_after(request_deadline());
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
      return close();
    }
    if (error) {
      // A malformed or oversized request: answer 4xx and close; never crash, never hang.
      if (error == http::error::header_limit || error == http::error::buffer_overflow) {
        // The parser fills in the target once it has the whole request line: none yet means
        // the request line alone was past the limit.
        const auto target = parser_->get().target();
        const bool line_too_long = target.empty() || target.size() > kMaxTargetBytes;
        return respond(line_too_long ? plain_reply(414, "414 URI too long\n")
                                     : plain_reply(431, "431 request header fields too large\n"),
                       false, false);
      }
      if (error == http::error::body_limit)
        return respond(plain_reply(413, "413 payload too large\n"), false, false);
      return respond(plain_reply(400, "400 bad request\n"), false, false);
    }
    const auto& request = parser_->get();
    keep_alive_ = request.keep_alive() && !server_->stopped.load() && !probe_only();
    head_ = request.method() == http::verb::head;
    version_ = request.version();
    const bool probe = is_probe_path(request_path(request.target()));
    if (probe_only() && !probe) return respond(plain_reply(503, "503 too many connections\n"));
    // Probes need no credentials (see is_probe_path); everything else does when users are set.
    // Settings are looked up per request: a reloaded password applies to kept connections too.
    auto settings = server_->web.current();
    std::string credentials;
    const auto screening =
        probe ? BasicAuth::Screening::allowed
              : settings->auth.screen(request[http::field::authorization], credentials);
    if (screening == BasicAuth::Screening::allowed) return serve();
    if (screening == BasicAuth::Screening::denied) return unauthorized();
    const bool queued = server_->password_checks.submit(
        [self = this->shared_from_this(), settings, credentials = std::move(credentials)] {
          const bool allowed = settings->auth.verify(credentials);
          asio::post(self->stream_.get_executor(),
                     [self, allowed] { allowed ? self->serve() : self->unauthorized(); });
        });
    if (!queued) {
      // Too many password checks in flight (a flood of wrong passwords): refuse at once.
      auto reply = plain_reply(503, "503 too many password checks in progress\n");
      reply.headers.emplace_back("Retry-After", "1");
      keep_alive_ = false;
      respond(std::move(reply));
    }
  }

  void unauthorized() {
    auto reply = plain_reply(401, "401 unauthorized\n");
    reply.headers.emplace_back("WWW-Authenticate", "Basic realm=\"migration_exporter\"");
    respond(std::move(reply));
  }

  void serve() {
    const auto& request = parser_->get();
    const std::string accept_encoding(request[http::field::accept_encoding]);
    const HttpRequestView view{request.method_string(), request.target(), accept_encoding,
                               request.version(), request.count(http::field::host)};
    respond(server_->routes.handle(view));
  }

  void respond(HttpReply reply) { respond(std::move(reply), keep_alive_, head_); }

  void respond(HttpReply reply, bool keep_alive, bool head) {
    reply_ = std::move(reply);
    if (server_->observe) server_->observe(reply_.route, reply_.status);
    const auto settings = server_->web.current();
    format_reply_header(header_, reply_, settings->headers, keep_alive, version_);
    buffers_.assign(1, asio::buffer(header_));
    if (!head && reply_.owner) {
      for (const auto piece : reply_.body) buffers_.push_back(asio::buffer(piece));
      // A client that never reads keeps this snapshot alive: the ledger may drop the write.
      pin_ = server_->pinned.add(reply_.owner.get(), reply_.owner_generation, reply_.owner_bytes,
                                 [weak = this->weak_from_this()] {
                                   if (auto self = weak.lock())
                                     asio::post(self->stream_.get_executor(),
                                                [self] { self->close(); });
                                 });
    } else if (!head) {
      buffers_.push_back(asio::buffer(reply_.owned));
    }
    beast::get_lowest_layer(stream_).expires_after(server_->limits.write_timeout);
    asio::async_write(
        stream_, buffers_, write_whole,
        [self = this->shared_from_this(), keep_alive](beast::error_code error, std::size_t) {
          self->server_->pinned.remove(std::exchange(self->pin_, 0));
          self->reply_ = {};  // the snapshot is released as soon as it is written
          if (error || !keep_alive) return self->close();
          self->wait_for_request();
        });
  }

  // asio::async_write's default completion condition hands the stream 64 KiB per write_some, which
  // turns a 7 MB body into ~110 system calls and reactor round trips; offer everything that is
  // left instead and let the kernel take what fits in the socket buffer.
  static std::size_t write_whole(const beast::error_code& error, std::size_t) {
    return error ? 0 : std::numeric_limits<std::size_t>::max();
  }

  void close() {
    // For TLS the close_notify exchange is skipped on purpose: a client that stopped reading must
    // not hold the connection; the socket is shut down either way.
    beast::error_code ignored;
    auto& socket = beast::get_lowest_layer(stream_).socket();
    if (!socket.is_open()) return;
    socket.shutdown(tcp::socket::shutdown_send, ignored);
    beast::get_lowest_layer(stream_).close();
  }

  Stream stream_;
  std::shared_ptr<ServerState> server_;
  std::shared_ptr<WebSettings> settings_;  // keeps the TLS context of this connection alive
  ConnectionSlots::Slot slot_;
  beast::flat_buffer buffer_{8192};
  std::optional<http::request_parser<http::string_body>> parser_;
  bool keep_alive_ = false;
  bool head_ = false;
  unsigned version_ = 11;
  HttpReply reply_;
  PinnedWrites::Ticket pin_ = 0;
  std::string header_;
  std::vector<asio::const_buffer> buffers_;  // header_ and the body's pieces
};

}  // namespace

void start_session(const std::shared_ptr<ServerState>& server, tcp::socket socket,
                   ConnectionSlots::Slot slot) {
  auto settings = server->web.refreshed();
  if (settings->tls) {
    auto& context = *settings->tls;
    std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
        server, std::move(settings), std::move(slot), std::move(socket), context)
        ->run();
  } else {
    std::make_shared<Session<beast::tcp_stream>>(server, std::move(settings), std::move(slot),
                                                 std::move(socket))
        ->run();
  }
}

}  // namespace mexp
