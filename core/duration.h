// Durations written the Prometheus way ("250ms", "15s", "1m30s", "2h") for flags and config.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace mexp {

// Units: ms, s, m, h, d; several may follow each other ("1m30s"). No sign, no fractions.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);
std::string format_duration(std::chrono::milliseconds duration);

}  // namespace mexp
