// The JSON report (schema: gate/check-report.schema.json, schema_version 1). Field names and
// meanings are stable; a change that breaks a reader bumps schema_version.
#include "core/json_string.h"
#include "core/metric_builder.h"
#include "gate/report.h"

namespace mexp::gate {
namespace {

std::string quoted(const std::string& raw) {
  std::string out;
  append_json_string(out, valid_utf8(raw));
  return out;
}

}  // namespace

std::string render_json(const Report& report) {
  const auto counts = count_outcomes(report.results);
  const char* overall = report.exit_code == 0 ? "pass" : report.exit_code == 1 ? "fail" : "error";
  std::string json = "{\n  \"schema_version\": 1,\n";
  json += "  \"phase\": " + quoted(to_string(report.phase)) + ",\n";
  json += "  \"result\": " + quoted(overall) + ",\n";
  json += "  \"exit_code\": " + std::to_string(report.exit_code) + ",\n";
  json += "  \"started_at\": " + quoted(report.started_at) + ",\n";
  json += "  \"duration_seconds\": " + format_report_seconds(report.duration_seconds) + ",\n";
  json += "  \"attempts\": " + std::to_string(report.attempts) + ",\n";
  json += "  \"summary\": {\"passed\": " + std::to_string(counts.passed) +
          ", \"failed\": " + std::to_string(counts.failed) +
          ", \"errors\": " + std::to_string(counts.errors) +
          ", \"skipped\": " + std::to_string(counts.skipped) + "},\n";
  json += "  \"checks\": [";
  bool first = true;
  for (const auto& result : report.results) {
    json += first ? "\n" : ",\n";
    first = false;
    json += "    {\"name\": " + quoted(result.check) + ", \"target\": " + quoted(result.target) +
            ", \"datname\": " + quoted(result.datname) +
            ", \"result\": " + quoted(to_string(result.outcome)) +
            ", \"observed\": " + quoted(result.observed) +
            ", \"limit\": " + (result.limit.empty() ? "null" : quoted(result.limit)) +
            ", \"details\": [";
    for (std::size_t i = 0; i < result.details.size(); ++i)
      json += (i == 0 ? "" : ", ") + quoted(result.details[i]);
    json += "], \"description\": " + quoted(result.description) + "}";
  }
  json += report.results.empty() ? "]\n}\n" : "\n  ]\n}\n";
  return json;
}

}  // namespace mexp::gate
