// What the listener and its connections share: limits, routes, web settings, slots, the pinned
// write ledger and the password-check pool. Internal to the HTTP server.
#pragma once

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>

#include "exporter/connection_slots.h"
#include "exporter/http_server.h"
#include "exporter/password_check_pool.h"
#include "exporter/pinned_writes.h"
#include "exporter/web_settings.h"

namespace mexp {

struct ServerState : std::enable_shared_from_this<ServerState> {
  ServerState(boost::asio::io_context& io_context, const Routes& r, HttpServer::Observer o,
              const WebConfig& web_config, HttpLimits l);

  boost::asio::io_context& io;
  boost::asio::ip::tcp::acceptor acceptor;
  const Routes& routes;
  HttpServer::Observer observe;
  const HttpLimits limits;
  WebSettingsSource web;
  ConnectionSlots slots;
  PinnedWrites pinned;
  PasswordCheckPool password_checks;
  std::atomic<bool> stopped{false};

  // accept() failing (EMFILE and the like) is retried after a growing pause, logged once.
  boost::asio::steady_timer accept_retry;
  std::chrono::milliseconds accept_backoff{0};

  void accept();

 private:
  void on_accept_error(const boost::system::error_code& error);
};

// Serves one accepted connection (over TLS when the web settings say so) until it closes.
void start_session(const std::shared_ptr<ServerState>& server, boost::asio::ip::tcp::socket socket,
                   ConnectionSlots::Slot slot);

}  // namespace mexp
