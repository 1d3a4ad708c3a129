// A check's limit as a team writes it ("5m", "64MB", "0", "1.10") and as a check compares with it.
#pragma once

#include <toml++/toml.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mexp::gate {

enum class LimitKind {
  duration,  // "30s", "5m" (Prometheus durations): compared as seconds
  bytes,     // "64MB", "1GB", "512kB", "0B" (PostgreSQL's units, powers of 1024): compared as bytes
  count,     // a whole number ≥ 0
  text,      // any non-empty text (an expected version)
};

struct Limit {
  LimitKind kind = LimitKind::count;
  bool set = false;  // false: no limit given and no default (the check is skipped)
  double value = 0;  // seconds, bytes or count
  std::string text;  // as written, for the report
};

// Parses `text` as a limit of `kind`; nullopt (and `error` says why) when it is not one.
std::optional<Limit> parse_limit(LimitKind kind, std::string_view text, std::string& error);
// The same from a TOML value: strings for durations, sizes and versions, integers for counts
// (a count may also be written as a string).
std::optional<Limit> limit_from_toml(LimitKind kind, const toml::node& node, std::string& error);

// "64MB"-style sizes → bytes; nullopt when malformed. A bare number is refused: a lag written as
// "300" could mean seconds or bytes, so the unit must be said.
std::optional<double> parse_size(std::string_view text);
// Bytes for a report: "0B", "812kB", "64.0MB", "1.5GB".
std::string format_bytes(double bytes);
// Seconds for a report: "850ms", "42s", "4m12s", "2h03m".
std::string format_seconds(double seconds);
// A limit's value in its kind's words, for "observed" lines.
std::string format_value(LimitKind kind, double value);

}  // namespace mexp::gate
