// The check command: settings and configuration, attempts until they pass or --wait runs out
// (progress on stderr: one rewritten line on a terminal, a line per attempt otherwise), then the
// report on stdout and the exit code.
#include "gate/command.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <thread>

#include "core/log.h"
#include "exporter/config.h"
#include "gate/report.h"
#include "gate/run.h"

namespace mexp::gate {
namespace {

std::string now_rfc3339() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

std::string failing_summary(const std::vector<CheckResult>& results) {
  std::string names;
  for (const auto& result : results) {
    if (result.outcome != Outcome::fail && result.outcome != Outcome::error) continue;
    names += (names.empty() ? "" : ", ") + result.check +
             (result.outcome == Outcome::error ? " (not evaluated)" : ": " + result.observed);
  }
  return names;
}

void print_errors(const ConfigErrors& errors, const char* what) {
  for (const auto& problem : errors.list()) std::cerr << problem.to_string() << "\n";
  std::cerr << "migration_exporter check: " << what << " invalid (" << errors.list().size()
            << " error" << (errors.list().size() == 1 ? "" : "s") << ")\n";
}

}  // namespace

int run_check_command(const std::vector<std::string>& args) {
  ConfigErrors errors;
  const auto settings = load_gate_settings(args, errors);
  if (!settings) {
    print_errors(errors, "check settings");
    return kExitNotEvaluated;
  }
  if (settings->help) {
    std::cout << gate_usage();
    return kExitPassed;
  }
  log::configure(settings->log_level, "logfmt");
  ConfigInputs inputs;
  inputs.file = settings->config_file;
  inputs.collector_overrides = collector_overrides(*settings);
  auto config = load_config(inputs, errors);
  if (!config) {
    print_errors(errors, "configuration");
    return kExitNotEvaluated;
  }
  for (const auto& name : settings->targets) {
    const bool known = std::any_of(config->targets.begin(), config->targets.end(),
                                   [&](const TargetConfig& target) { return target.name == name; });
    if (!known) {
      std::cerr << "migration_exporter check: --target " << name
                << " is not a target of the configuration\n";
      return kExitNotEvaluated;
    }
  }

  GateRun run(*settings, std::move(*config));
  Report report;
  report.phase = settings->phase;
  report.started_at = now_rfc3339();
  const bool terminal = isatty(STDERR_FILENO) != 0;
  const auto started = std::chrono::steady_clock::now();
  const auto deadline = started + settings->wait;
  for (report.attempts = 1;; ++report.attempts) {
    report.results = run.attempt();
    report.exit_code = exit_code_of(report.results);
    const auto now = std::chrono::steady_clock::now();
    if (report.exit_code == kExitPassed || now + settings->wait_interval > deadline) break;
    const auto waited = std::chrono::duration_cast<std::chrono::seconds>(now - started).count();
    const std::string progress =
        "check: attempt " + std::to_string(report.attempts) + ", " + std::to_string(waited) +
        "s of " +
        std::to_string(std::chrono::duration_cast<std::chrono::seconds>(settings->wait).count()) +
        "s: waiting for " + failing_summary(report.results);
    if (terminal) {
      std::cerr << "\r\033[K" << progress.substr(0, 160) << std::flush;
    } else {
      std::cerr << progress << "\n";
    }
    std::this_thread::sleep_for(settings->wait_interval);
  }
  if (terminal && report.attempts > 1) std::cerr << "\r\033[K" << std::flush;
  report.duration_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  switch (settings->output) {
    case OutputFormat::text: {
      const bool color =
          settings->color == "always" || (settings->color == "auto" && isatty(STDOUT_FILENO) != 0 &&
                                          std::getenv("NO_COLOR") == nullptr);
      std::cout << render_text(report, color);
      break;
    }
    case OutputFormat::json:
      std::cout << render_json(report);
      break;
    case OutputFormat::junit:
      std::cout << render_junit(report);
      break;
  }
  return report.exit_code;
}

}  // namespace mexp::gate
