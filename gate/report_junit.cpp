// The JUnit XML report: one <testsuite> per phase, one <testcase> per check and target; a failed
// check is a <failure>, one that could not be evaluated an <error>, a skipped one <skipped>.
#include <cstdio>

#include "core/metric_builder.h"
#include "gate/report.h"

namespace mexp::gate {
namespace {

std::string escaped(const std::string& raw) {
  const std::string text = valid_utf8(raw);
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // XML 1.0 has no way to write other control characters, even escaped.
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\n' || c == '\t') out += c;
    }
  }
  return out;
}

}  // namespace

std::string render_junit(const Report& report) {
  const auto counts = count_outcomes(report.results);
  const std::string phase = to_string(report.phase);
  const std::string totals = "tests=\"" + std::to_string(report.results.size()) + "\" failures=\"" +
                             std::to_string(counts.failed) + "\" errors=\"" +
                             std::to_string(counts.errors) + "\" skipped=\"" +
                             std::to_string(counts.skipped) + "\" time=\"" +
                             format_report_seconds(report.duration_seconds) + "\"";
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  xml += "<testsuites name=\"migration_exporter check\" " + totals + ">\n";
  xml += "  <testsuite name=\"migration_exporter check --phase=" + phase + "\" " + totals +
         " timestamp=\"" + escaped(report.started_at) + "\">\n";
  for (const auto& result : report.results) {
    xml += "    <testcase classname=\"migration_exporter.check." + phase + "." +
           escaped(result.target) + "\" name=\"" + escaped(result.check) + "\" time=\"" +
           format_report_seconds(result.seconds) + "\">\n";
    const std::string message =
        result.observed + (result.limit.empty() ? "" : " (limit " + result.limit + ")");
    std::string body;
    for (const auto& detail : result.details) body += detail + "\n";
    switch (result.outcome) {
      case Outcome::fail:
        xml += "      <failure type=\"check_failed\" message=\"" + escaped(message) + "\">" +
               escaped(body) + "</failure>\n";
        break;
      case Outcome::error:
        xml += "      <error type=\"not_evaluated\" message=\"" + escaped(message) + "\">" +
               escaped(body) + "</error>\n";
        break;
      case Outcome::skip:
        xml += "      <skipped message=\"" + escaped(message) + "\"/>\n";
        break;
      case Outcome::pass:
        break;
    }
    xml += "      <system-out>" + escaped("observed: " + message) + "</system-out>\n";
    xml += "    </testcase>\n";
  }
  xml += "  </testsuite>\n</testsuites>\n";
  return xml;
}

}  // namespace mexp::gate
