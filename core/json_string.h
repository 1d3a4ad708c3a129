// JSON string escaping, shared by the JSON log lines and the deploy gate's JSON report.
#pragma once

#include <string>
#include <string_view>

namespace mexp {

// Appends `text` as a quoted JSON string: quotes, backslashes and control characters escaped.
// Bytes are copied as they are: a caller with untrusted text makes it valid UTF-8 first.
void append_json_string(std::string& out, std::string_view text);

}  // namespace mexp
