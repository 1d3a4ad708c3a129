// The human report: a header line, then a table (check, result, observed, limit) with the
// offending sessions, tables or slots indented under a failing check. Colour only when asked.
#include <algorithm>
#include <cstdio>
#include <set>

#include "gate/report.h"

namespace mexp::gate {
namespace {

const char* colour_of(Outcome outcome) {
  switch (outcome) {
    case Outcome::pass:
      return "\033[32m";
    case Outcome::fail:
      return "\033[31m";
    case Outcome::error:
      return "\033[33m";
    case Outcome::skip:
      return "\033[2m";
  }
  return "";
}

std::string padded(const std::string& text, std::size_t width) {
  return text + std::string(width > text.size() ? width - text.size() : 0, ' ');
}

}  // namespace

std::string format_report_seconds(double seconds) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3f", seconds);
  return buffer;
}

Counts count_outcomes(const std::vector<CheckResult>& results) {
  Counts counts;
  for (const auto& result : results) {
    switch (result.outcome) {
      case Outcome::pass:
        ++counts.passed;
        break;
      case Outcome::fail:
        ++counts.failed;
        break;
      case Outcome::error:
        ++counts.errors;
        break;
      case Outcome::skip:
        ++counts.skipped;
        break;
    }
  }
  return counts;
}

std::string render_text(const Report& report, bool color) {
  const auto counts = count_outcomes(report.results);
  const char* verdict = report.exit_code == 0 ? "PASS" : report.exit_code == 1 ? "FAIL" : "ERROR";
  std::string text = std::string("migration_exporter check --phase=") + to_string(report.phase) +
                     ": " + verdict + " (" + std::to_string(counts.passed) + " passed, " +
                     std::to_string(counts.failed) + " failed, " + std::to_string(counts.errors) +
                     " could not be evaluated, " + std::to_string(counts.skipped) + " skipped";
  if (report.attempts > 1) text += "; " + std::to_string(report.attempts) + " attempts";
  text += ")\n";

  std::set<std::string> targets;
  for (const auto& result : report.results) targets.insert(result.target);
  const bool show_target = targets.size() > 1;
  std::size_t check_width = 5, target_width = 6, observed_width = 8;
  for (const auto& result : report.results) {
    check_width = std::max(check_width, result.check.size());
    target_width = std::max(target_width, result.target.size());
    observed_width = std::max(observed_width, result.observed.size());
  }
  const auto row = [&](const std::string& target, const std::string& check,
                       const std::string& outcome, const char* outcome_colour,
                       const std::string& observed, const std::string& limit) {
    std::string line;
    if (show_target) line += padded(target, target_width + 2);
    line += padded(check, check_width + 2);
    const std::string cell = padded(outcome, 7);
    line += color && outcome_colour ? std::string(outcome_colour) + cell + "\033[0m" : cell;
    line += padded(observed, observed_width + 2) + limit;
    while (!line.empty() && line.back() == ' ') line.pop_back();
    return line + "\n";
  };
  text += row("TARGET", "CHECK", "RESULT", nullptr, "OBSERVED", "LIMIT");
  for (const auto& result : report.results) {
    text += row(result.target, result.check, to_string(result.outcome), colour_of(result.outcome),
                result.observed, result.limit.empty() ? "-" : result.limit);
    for (const auto& detail : result.details) text += "    " + detail + "\n";
  }
  return text;
}

}  // namespace mexp::gate
