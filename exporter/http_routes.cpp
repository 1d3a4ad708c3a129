// Routing and the bodies of the small pages.
#include "exporter/http_routes.h"

#include <algorithm>
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

namespace {

// The q value of one Accept-Encoding item's parameters ("q=0.5;x=y"): 1 when absent.
double quality(std::string_view parameters) {
  while (!parameters.empty()) {
    const auto semicolon = parameters.find(';');
    const std::string_view parameter = trim(parameters.substr(0, semicolon));
    parameters =
        semicolon == std::string_view::npos ? std::string_view() : parameters.substr(semicolon + 1);
    if (parameter.size() >= 2 && std::tolower(static_cast<unsigned char>(parameter[0])) == 'q' &&
        parameter[1] == '=') {
      const std::string q(trim(parameter.substr(2)));
      return std::strtod(q.c_str(), nullptr);
    }
  }
  return 1;
}

}  // namespace

bool accepts_gzip(std::string_view header) {
  // RFC 9110 12.5.3: a coding named explicitly takes its own q; "*" covers only the codings not
  // named. So "gzip;q=0, *;q=0.5" refuses gzip.
  double gzip_q = -1;
  double any_q = -1;
  while (!header.empty()) {
    const auto comma = header.find(',');
    const std::string_view item = trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    const auto semicolon = item.find(';');
    const std::string_view coding = trim(item.substr(0, semicolon));
    const double q = semicolon == std::string_view::npos ? 1 : quality(item.substr(semicolon + 1));
    if (iequals(coding, "gzip") || iequals(coding, "x-gzip")) {
      gzip_q = std::max(gzip_q, q);
    } else if (coding == "*") {
      any_q = std::max(any_q, q);
    }
  }
  return gzip_q >= 0 ? gzip_q > 0 : any_q > 0;
}

std::string_view request_path(std::string_view target) {
  const auto scheme_end = target.find("://");
  if (scheme_end != std::string_view::npos && target.front() != '/') {
    const auto scheme = target.substr(0, scheme_end);
    if (iequals(scheme, "http") || iequals(scheme, "https")) {
      const auto authority = target.substr(scheme_end + 3);
      const auto path_start = authority.find_first_of("/?");
      if (path_start == std::string_view::npos || authority[path_start] == '?') return "/";
      target = authority.substr(path_start);
    }
  }
  return target.substr(0, target.find('?'));
}

bool is_probe_path(std::string_view path) { return path == "/healthz" || path == "/readyz"; }

std::optional<std::string> query_parameter(std::string_view target, std::string_view name) {
  const auto question = target.find('?');
  if (question == std::string_view::npos) return std::nullopt;
  std::string_view query = target.substr(question + 1);
  query = query.substr(0, query.find('#'));
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) != name) continue;
    const std::string_view raw = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
    std::string value;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      const auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
      };
      if (raw[i] == '+') {
        value += ' ';
      } else if (raw[i] == '%' && i + 2 < raw.size() && hex(raw[i + 1]) >= 0 &&
                 hex(raw[i + 2]) >= 0) {
        value += static_cast<char>(hex(raw[i + 1]) * 16 + hex(raw[i + 2]));
        i += 2;
      } else {
        value += raw[i];
      }
    }
    return value;
  }
  return std::nullopt;
}

HttpReply Routes::handle(const HttpRequestView& request) const {
  // RFC 9112 3.2: an HTTP/1.1 request without exactly one Host is a 400; HTTP/1.0 may omit it.
  if (request.host_fields > 1 || (request.version >= 11 && request.host_fields == 0))
    return text_reply(400, "other", "400 bad request: one Host header is required\n");
  if (request.target.size() > kMaxTargetBytes)
    return text_reply(414, "other", "414 URI too long\n");
  const std::string_view path = request_path(request.target);
  const bool metrics = path == hooks_.telemetry_path;
  const bool known = metrics || path == "/" || path == "/healthz" || path == "/readyz" ||
                     path == "/-/reload" || path == "/probe";
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
    reply.owner_generation = snapshot->created.time_since_epoch().count();
    reply.owner_bytes = snapshot->text_bytes + snapshot->gzip.size();
    reply.owner = std::move(snapshot);
    reply.headers.emplace_back("Vary", "Accept-Encoding");
    return reply;
  }
  if (path == "/probe") {
    // Multi-target: one configured target's series, for a Prometheus job that relabels
    // __param_target. Never a connection made on behalf of the query string (see README).
    const auto wanted = query_parameter(request.target, "target");
    if (!wanted || wanted->empty())
      return text_reply(400, route, "400 bad request: /probe needs ?target=<a target's name>\n");
    auto snapshot = store_.render_target(*wanted);
    if (!snapshot)
      return text_reply(404, route,
                        "404 no such target: /probe serves the configured targets (their names "
                        "are on the landing page)\n");
    HttpReply reply;
    reply.route = route;
    reply.content_type = kExpositionType;
    reply.body = snapshot->text;
    reply.owner_generation = snapshot->created.time_since_epoch().count();
    reply.owner_bytes = snapshot->text_bytes;
    reply.owner = std::move(snapshot);
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
