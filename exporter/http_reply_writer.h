// The status line and headers of a reply as HTTP/1.x text. Beast's response serializer walked a
// nested buffer sequence on every partial write of a large body and allocated every header field;
// a scrape answers the same few headers each time, so they are formatted into a buffer the
// connection reuses and written with the body's pieces in one gather write.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "exporter/http_routes.h"

namespace mexp {

// `configured` are the web configuration's headers: they replace the exporter's own of the same
// name. A header whose name or value holds a line break is left out (response splitting).
void format_reply_header(std::string& out, const HttpReply& reply,
                         const std::vector<std::pair<std::string, std::string>>& configured,
                         bool keep_alive, unsigned version);

}  // namespace mexp
