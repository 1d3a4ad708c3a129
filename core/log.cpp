// logfmt / JSON line formatting; spdlog only writes the finished line, thread-safely, to stderr.
#include "core/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <ctime>

#include "core/json_string.h"

namespace mexp::log {
namespace {

Format g_format = Format::logfmt;

std::shared_ptr<spdlog::logger> logger() {
  static auto instance = [] {
    auto created = spdlog::stderr_logger_mt("migration_exporter");
    created->set_pattern("%v");
    created->set_level(spdlog::level::info);
    created->flush_on(spdlog::level::debug);
    return created;
  }();
  return instance;
}

std::string now_rfc3339() {
  const auto now = std::chrono::system_clock::now();
  const auto seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[96];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(millis));
  return buffer;
}

void append_logfmt_value(std::string& out, std::string_view text) {
  const bool needs_quotes =
      text.empty() || text.find_first_of(" =\"\\\n\r\t") != std::string_view::npos;
  if (!needs_quotes) {
    out += text;
    return;
  }
  append_json_string(out, text);  // logfmt quoting is the same escaping as JSON strings
}

void write(spdlog::level::level_enum level, std::string_view name, std::string_view message,
           Fields fields) {
  auto& sink = *logger();
  if (!sink.should_log(level)) return;
  sink.log(level, format_line(g_format, name, now_rfc3339(), message, fields));
}

}  // namespace

std::string format_line(Format format, std::string_view level, std::string_view timestamp,
                        std::string_view message, Fields fields) {
  std::string line;
  if (format == Format::json) {
    line += "{\"ts\":";
    append_json_string(line, timestamp);
    line += ",\"level\":";
    append_json_string(line, level);
    line += ",\"msg\":";
    append_json_string(line, message);
    for (const auto& [key, value] : fields) {
      line += ',';
      append_json_string(line, key);
      line += ':';
      append_json_string(line, value);
    }
    line += '}';
    return line;
  }
  line += "ts=";
  line += timestamp;
  line += " level=";
  line += level;
  line += " msg=";
  append_logfmt_value(line, message);
  for (const auto& [key, value] : fields) {
    line += ' ';
    line += key;
    line += '=';
    append_logfmt_value(line, value);
  }
  return line;
}

bool configure(std::string_view level, std::string_view format) {
  spdlog::level::level_enum parsed;
  if (level == "debug")
    parsed = spdlog::level::debug;
  else if (level == "info")
    parsed = spdlog::level::info;
  else if (level == "warn")
    parsed = spdlog::level::warn;
  else if (level == "error")
    parsed = spdlog::level::err;
  else
    return false;
  if (format == "logfmt")
    g_format = Format::logfmt;
  else if (format == "json")
    g_format = Format::json;
  else
    return false;
  logger()->set_level(parsed);
  return true;
}

void debug(std::string_view message, Fields fields) {
  write(spdlog::level::debug, "debug", message, fields);
}
void info(std::string_view message, Fields fields) {
  write(spdlog::level::info, "info", message, fields);
}
void warn(std::string_view message, Fields fields) {
  write(spdlog::level::warn, "warn", message, fields);
}
void error(std::string_view message, Fields fields) {
  write(spdlog::level::err, "error", message, fields);
}

}  // namespace mexp::log
