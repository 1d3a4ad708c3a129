// The gate's attempt (see run.h): collectors run as the poller runs them, checks judge the result.
#include "gate/run.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "core/collector.h"
#include "core/pg_session.h"

namespace mexp::gate {

struct GateRun::Target {
  TargetConfig config;
  std::unique_ptr<PgSession> session;
};

int exit_code_of(const std::vector<CheckResult>& results) {
  bool failed = false, unknown = false;
  for (const auto& result : results) {
    failed = failed || result.outcome == Outcome::fail;
    unknown = unknown || result.outcome == Outcome::error;
  }
  // A failure found is the answer even when another check could not look: do not deploy.
  return failed ? 1 : unknown ? 2 : 0;
}

std::vector<const GateCheck*> selected_checks(const GateSettings& settings) {
  std::vector<const GateCheck*> selected;
  for (const auto& check : gate_checks()) {
    const bool in_phase =
        std::find(check.phases.begin(), check.phases.end(), settings.phase) != check.phases.end();
    if (in_phase && settings.checks.at(check.name).enabled) selected.push_back(&check);
  }
  return selected;
}

toml::table collector_overrides(const GateSettings& settings) {
  toml::table overrides;
  CollectorTuning tuning(overrides);
  for (const auto* check : selected_checks(settings)) {
    for (const auto& collector : check->collectors) tuning.enable(collector);
    const auto& limit = settings.checks.at(check->name).limit;
    if (check->tune && limit.set) check->tune(limit, tuning);
  }
  return overrides;
}

GateRun::GateRun(const GateSettings& settings, Config config)
    : settings_(settings),
      label_targets_(config.label_targets),
      checks_(selected_checks(settings)) {
  for (auto& target : config.targets) {
    if (!settings.targets.empty() && std::find(settings.targets.begin(), settings.targets.end(),
                                               target.name) == settings.targets.end())
      continue;
    // A name of its own, so that a DBA looking at pg_stat_activity sees what connected.
    target.session.application_name = "migration_exporter check";
    auto own = std::make_unique<Target>();
    own->session = std::make_unique<PgSession>(target.session);
    own->config = std::move(target);
    targets_.push_back(std::move(own));
  }
}

GateRun::~GateRun() = default;

std::vector<CheckResult> GateRun::attempt() {
  std::vector<CheckResult> results;
  for (auto& target : targets_) {
    auto own = attempt_target(*target);
    results.insert(results.end(), own.begin(), own.end());
  }
  return results;
}

std::vector<CheckResult> GateRun::attempt_target(Target& target) {
  const auto started = std::chrono::steady_clock::now();
  std::string connect_error;
  if (!target.session->connected()) {
    try {
      target.session->connect();
    } catch (const PgError& error) {
      connect_error = error.what();  // PgSession's messages carry no credentials
    }
  }
  const std::string datname = target.session->connected()
                                  ? target.session->datname()
                                  : expected_datname(target.config.session.conninfo);

  // Each collector the checks read runs once, whatever number of checks read it.
  std::set<std::string> wanted;
  for (const auto* check : checks_)
    wanted.insert(check->collectors.begin(), check->collectors.end());
  std::map<std::string, std::string> collector_errors;
  FamilyView families;
  Labels labels = {{"datname", datname}};
  if (label_targets_) labels.push_back({"target", target.config.name});
  for (const auto& name : wanted) {
    if (!connect_error.empty()) {
      collector_errors[name] = "cannot connect: " + connect_error;
      continue;
    }
    const auto plan = std::find_if(target.config.collectors.begin(), target.config.collectors.end(),
                                   [&](const CollectorPlan& p) { return p.name == name; });
    if (plan == target.config.collectors.end()) {
      collector_errors[name] = "collector " + name + " is not configured";
      continue;
    }
    try {
      CollectContext context{*target.session, labels, std::chrono::system_clock::now()};
      families.add(plan->collector->collect(context));
    } catch (const PgError& error) {
      collector_errors[name] = "collector " + name + " failed: " + error.what();
      if (error.connection_lost()) target.session->disconnect();  // reconnect next attempt
    } catch (const std::exception& error) {
      collector_errors[name] = "collector " + name + " failed: " + error.what();
    }
  }

  std::vector<CheckResult> results;
  for (const auto* check : checks_) {
    const auto& limit = settings_.checks.at(check->name).limit;
    CheckResult result{check->name,
                       check->description,
                       target.config.name,
                       datname,
                       Outcome::pass,
                       "",
                       limit.set ? limit.text : "",
                       {},
                       0};
    for (const auto& collector : check->collectors) {
      if (const auto error = collector_errors.find(collector); error != collector_errors.end()) {
        result.outcome = Outcome::error;
        result.observed = error->second;
      }
    }
    if (result.outcome != Outcome::error) {
      try {
        auto verdict = check->evaluate({families, datname, limit, settings_.phase});
        result.outcome = verdict.outcome;
        result.observed = std::move(verdict.observed);
        result.details = std::move(verdict.details);
      } catch (const std::exception& error) {
        result.outcome = Outcome::error;
        result.observed = std::string("could not judge: ") + error.what();
      }
    }
    results.push_back(std::move(result));
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  for (auto& result : results) result.seconds = seconds;
  return results;
}

}  // namespace mexp::gate
