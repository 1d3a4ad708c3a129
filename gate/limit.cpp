// Parsing and printing of the gate's limits: durations, WAL sizes, counts and versions.
#include "gate/limit.h"

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "core/duration.h"

namespace mexp::gate {
namespace {

struct Unit {
  const char* name;
  double bytes;
};
// PostgreSQL's memory units (as in max_slot_wal_keep_size = 10GB): powers of 1024.
constexpr std::array<Unit, 5> kUnits = {{{"B", 1.0},
                                         {"kB", 1024.0},
                                         {"MB", 1024.0 * 1024},
                                         {"GB", 1024.0 * 1024 * 1024},
                                         {"TB", 1024.0 * 1024 * 1024 * 1024}}};

std::string fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

}  // namespace

std::optional<double> parse_size(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0 || digits > 15) return std::nullopt;
  std::int64_t number = 0;
  std::from_chars(text.data(), text.data() + digits, number);
  const std::string_view unit = text.substr(digits);
  for (const auto& candidate : kUnits) {
    if (unit == candidate.name) return static_cast<double>(number) * candidate.bytes;
  }
  return std::nullopt;
}

std::string format_bytes(double bytes) {
  if (bytes < 1024) return fixed(bytes, 0) + "B";
  std::size_t unit = 1;
  while (unit + 1 < kUnits.size() && bytes >= kUnits[unit + 1].bytes) ++unit;
  const double scaled = bytes / kUnits[unit].bytes;
  return fixed(scaled, scaled < 10 ? 1 : 0) + kUnits[unit].name;
}

std::string format_seconds(double seconds) {
  if (seconds < 1) return fixed(seconds * 1000, 0) + "ms";
  const auto whole = static_cast<long long>(std::floor(seconds));
  if (whole < 60) return std::to_string(whole) + "s";
  const auto two = [](long long n) { return (n < 10 ? "0" : "") + std::to_string(n); };
  if (whole < 3600) return std::to_string(whole / 60) + "m" + two(whole % 60) + "s";
  return std::to_string(whole / 3600) + "h" + two(whole % 3600 / 60) + "m";
}

std::string format_value(LimitKind kind, double value) {
  switch (kind) {
    case LimitKind::duration:
      return format_seconds(value);
    case LimitKind::bytes:
      return format_bytes(value);
    case LimitKind::count:
    case LimitKind::text:
      break;
  }
  return fixed(value, 0);
}

std::optional<Limit> parse_limit(LimitKind kind, std::string_view text, std::string& error) {
  Limit limit{kind, true, 0, std::string(text)};
  switch (kind) {
    case LimitKind::duration:
      if (const auto parsed = parse_duration(text)) {
        limit.value = std::chrono::duration<double>(*parsed).count();
        return limit;
      }
      error = "must be a duration such as \"30s\", \"5m\" or \"1h\"";
      return std::nullopt;
    case LimitKind::bytes:
      if (const auto parsed = parse_size(text)) {
        limit.value = *parsed;
        return limit;
      }
      error = "must be a size with its unit (B, kB, MB, GB, TB) such as \"64MB\"";
      return std::nullopt;
    case LimitKind::count: {
      std::int64_t number = -1;
      const auto [end, problem] = std::from_chars(text.data(), text.data() + text.size(), number);
      if (problem == std::errc{} && end == text.data() + text.size() && number >= 0) {
        limit.value = static_cast<double>(number);
        return limit;
      }
      error = "must be a whole number (0 or more)";
      return std::nullopt;
    }
    case LimitKind::text:
      if (!text.empty()) return limit;
      error = "must not be empty";
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<Limit> limit_from_toml(LimitKind kind, const toml::node& node, std::string& error) {
  if (const auto* integer = node.as_integer(); integer != nullptr && kind == LimitKind::count)
    return parse_limit(kind, std::to_string(integer->get()), error);
  if (const auto* string = node.as_string()) return parse_limit(kind, string->get(), error);
  error = kind == LimitKind::count ? "must be a whole number" : "must be a string";
  return std::nullopt;
}

}  // namespace mexp::gate
