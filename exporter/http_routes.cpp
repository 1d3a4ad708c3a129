// Routing and the bodies of the small pages.
#include "exporter/http_routes.h"

#include <cctype>
#include <cstdlib>

#include "build_info.h"

namespace mexp {
namespace {

constexpr const char* kExpositionType = "text/plain; version=0.0.4; charset=utf-8";

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  return text;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

HttpReply text_reply(unsigned status, std::string route, std::string body) {
  HttpReply reply;
  reply.status = status;
  reply.route = std::move(route);
  reply.owned = std::move(body);
  return reply;
}

std::string landing_page(const std::string& targets, const std::string& telemetry_path) {
  return std::string(
             "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
             "charset=\"utf-8\"><title>migration_exporter</title>"
             "</head>\n<body><h1>migration_exporter</h1>\n<p>Prometheus exporter for PostgreSQL "
             "schema "
             "migrations, version ") +
         build::kVersion + " (" + build::kRevision + ").</p>\n<ul><li><a href=\"" +
         telemetry_path.substr(1) +
         "\">metrics</a></li><li><a "
         "href=\"healthz\">healthz</a></li>"
         "<li><a href=\"readyz\">readyz</a></li></ul>\n" +
         targets + "</body></html>\n";
}

}  // namespace

std::size_t HttpReply::size() const {
  if (!owner) return owned.size();
  std::size_t bytes = 0;
  for (const auto piece : body) bytes += piece.size();
  return bytes;
}

std::string HttpReply::bytes() const {
  if (!owner) return owned;
  std::string joined;
  for (const auto piece : body) joined += piece;
  return joined;
}

bool accepts_gzip(std::string_view header) {
  while (!header.empty()) {
    const auto comma = header.find(',');
    std::string_view item = trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    const auto semicolon = item.find(';');
    const std::string_view coding = trim(item.substr(0, semicolon));
    if (!iequals(coding, "gzip") && coding != "*") continue;
    if (semicolon == std::string_view::npos) return true;
    std::string_view parameter = trim(item.substr(semicolon + 1));
    if (parameter.size() < 2 || std::tolower(static_cast<unsigned char>(parameter[0])) != 'q' ||
        parameter[1] != '=') {
      return true;
    }
    const std::string q(trim(parameter.substr(2)));
    if (std::strtod(q.c_str(), nullptr) > 0) return true;
  }
  return false;
}

HttpReply Routes::handle(const HttpRequestView& request) const {
  std::string_view path = request.target.substr(0, request.target.find('?'));
  const bool metrics = path == hooks_.telemetry_path;
  const bool known =
      metrics || path == "/" || path == "/healthz" || path == "/readyz" || path == "/-/reload";
  if (!known) return text_reply(404, "other", "404 not found\n");
  const std::string route(path);
  if (path == "/-/reload") {
    // Like Prometheus: POST or PUT reloads; anything else must not change state.
    if (request.method != "POST" && request.method != "PUT") {
      auto reply = text_reply(405, route, "405 method not allowed: use POST\n");
      reply.headers.emplace_back("Allow", "POST, PUT");
      return reply;
    }
    if (!hooks_.reload) {
      return text_reply(403, route,
                        "lifecycle API is not enabled (start with --web.enable-lifecycle)\n");
    }
    switch (hooks_.reload()) {
      case ReloadOutcome::applied:
        return text_reply(200, route, "configuration reloaded\n");
      case ReloadOutcome::queued:
        return text_reply(202, route,
                          "reload queued: coalesced with other requests; its outcome goes to the "
                          "log and to migration_exporter_config_last_reload_successful\n");
      case ReloadOutcome::rejected:
        break;
    }
    return text_reply(500, route,
                      "configuration rejected, the previous one stays active; the errors are in "
                      "the exporter's log\n");
  }
  if (request.method != "GET" && request.method != "HEAD") {
    auto reply = text_reply(405, route, "405 method not allowed\n");
    reply.headers.emplace_back("Allow", "GET, HEAD");
    return reply;
  }
  if (metrics) {
    auto snapshot = store_.current();
    HttpReply reply;
    reply.route = route;
    reply.content_type = kExpositionType;
    if (accepts_gzip(request.accept_encoding)) {
      reply.content_encoding = "gzip";
      reply.body = snapshot->gzip_body;
    } else {
      reply.body = snapshot->text;
    }
    reply.owner = std::move(snapshot);
    reply.headers.emplace_back("Vary", "Accept-Encoding");
    return reply;
  }
  if (path == "/healthz") return text_reply(200, route, "ok\n");
  if (path == "/readyz") {
    return hooks_.ready && hooks_.ready()
               ? text_reply(200, route, "ready\n")
               : text_reply(503, route, "not ready: first poll not finished\n");
  }
  auto reply = text_reply(
      200, route,
      landing_page(hooks_.targets_html ? hooks_.targets_html() : "", hooks_.telemetry_path));
  reply.content_type = "text/html; charset=utf-8";
  return reply;
}

}  // namespace mexp
