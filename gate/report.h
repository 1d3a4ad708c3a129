// The gate's report in its three forms: a table for people, JSON for programs (schema in
// gate/check-report.schema.json), JUnit XML for CI systems that show each check as a test case.
#pragma once

#include <string>
#include <vector>

#include "gate/run.h"

namespace mexp::gate {

struct Report {
  Phase phase = Phase::pre;
  std::vector<CheckResult> results;  // the last attempt's
  int exit_code = 0;
  int attempts = 1;
  double duration_seconds = 0;  // from start to the last attempt's end, waits included
  std::string started_at;       // RFC 3339, UTC
};

struct Counts {
  int passed = 0, failed = 0, errors = 0, skipped = 0;
};
Counts count_outcomes(const std::vector<CheckResult>& results);
// Seconds as the machine-readable reports write them: "12.345".
std::string format_report_seconds(double seconds);

std::string render_text(const Report& report, bool color);
std::string render_json(const Report& report);
std::string render_junit(const Report& report);

}  // namespace mexp::gate
