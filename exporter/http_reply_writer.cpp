// Formatting a reply's status line and header fields.
#include "exporter/http_reply_writer.h"

#include <algorithm>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/status.hpp>

namespace mexp {

void format_reply_header(std::string& out, const HttpReply& reply,
                         const std::vector<std::pair<std::string, std::string>>& configured,
                         bool keep_alive, unsigned version) {
  namespace http = boost::beast::http;
  out.assign(version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  out += std::to_string(reply.status);
  out += ' ';
  out += http::obsolete_reason(static_cast<http::status>(reply.status));
  const auto add = [&out](std::string_view name, std::string_view value) {
    if (name.find_first_of("\r\n") != std::string_view::npos ||
        value.find_first_of("\r\n") != std::string_view::npos)
      return;
    out += "\r\n";
    out += name;
    out += ": ";
    out += value;
  };
  const auto is_configured = [&configured](std::string_view name) {
    return std::any_of(configured.begin(), configured.end(), [&](const auto& header) {
      return boost::beast::iequals(header.first, name);
    });
  };
  if (!is_configured("Server")) add("Server", "migration_exporter");
  if (!is_configured("Content-Type")) add("Content-Type", reply.content_type);
  if (!reply.content_encoding.empty()) add("Content-Encoding", reply.content_encoding);
  for (const auto& [name, value] : configured) add(name, value);
  for (const auto& [name, value] : reply.headers) add(name, value);
  add("Content-Length", std::to_string(reply.size()));
  // HTTP/1.1 keeps the connection by default, HTTP/1.0 closes it by default.
  if (version == 10 && keep_alive) add("Connection", "keep-alive");
  if (version != 10 && !keep_alive) add("Connection", "close");
  out += "\r\n\r\n";
}

}  // namespace mexp
