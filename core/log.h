// Structured logging in the ecosystem's formats (logfmt or JSON lines on stderr), on top of spdlog.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace mexp::log {

enum class Format { logfmt, json };
using Fields = std::initializer_list<std::pair<std::string_view, std::string>>;

// level: debug, info, warn, error. Returns false for an unknown level or format.
bool configure(std::string_view level, std::string_view format);

void debug(std::string_view message, Fields fields = {});
void info(std::string_view message, Fields fields = {});
void warn(std::string_view message, Fields fields = {});
void error(std::string_view message, Fields fields = {});

// One formatted line without the timestamp, exposed for tests.
std::string format_line(Format format, std::string_view level, std::string_view timestamp,
                        std::string_view message, Fields fields);

}  // namespace mexp::log
