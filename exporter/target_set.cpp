// Starting, stopping and replacing pollers.
#include "exporter/target_set.h"

#include <set>

#include "core/duration.h"

namespace mexp {
namespace {

std::string html_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string targets_html(const Config& config) {
  std::string html =
      "<h2>Targets</h2>\n<table><tr><th>target</th><th>database</th><th>collectors</th></tr>\n";
  for (const auto& target : config.targets) {
    std::string collectors;
    for (const auto& plan : target.collectors) {
      collectors += (collectors.empty() ? "" : ", ") + plan.name + " (" +
                    format_duration(plan.interval) + ")";
    }
    html += "<tr><td>" + html_escape(target.name) + "</td><td>" +
            html_escape(describe_conninfo(target.session.conninfo)) + "</td><td>" +
            html_escape(collectors) + "</td></tr>\n";
  }
  return html + "</table>\n";
}

}  // namespace

void TargetSet::apply(const Config& config) {
  std::lock_guard lock(mutex_);
  std::set<std::string> kept, discovering;
  for (const auto& target : config.targets) {
    kept.insert(target.name);
    if (target.discovery.enabled) discovering.insert(target.name);
  }
  for (auto& poller : pollers_) {
    poller->stop();
    if (!kept.contains(poller->name())) {
      store_.remove(poller->name());
    } else if (!discovering.contains(poller->name())) {
      // Auto-discovery switched off: its databases' series go now, not at the next restart.
      store_.remove_part(DatabaseFleet::store_key(poller->name()));
    }
  }
  pollers_.clear();
  for (const auto& target : config.targets) {
    pollers_.push_back(std::make_unique<Poller>(target, config.label_targets, store_));
  }
  for (auto& poller : pollers_) poller->start();
  html_ = targets_html(config);
}

void TargetSet::stop() {
  std::lock_guard lock(mutex_);
  for (auto& poller : pollers_) poller->stop();
}

bool TargetSet::ready() const {
  if (ready_latched_.load()) return true;
  std::lock_guard lock(mutex_);
  for (const auto& poller : pollers_) {
    if (!poller->first_poll_done()) return false;
  }
  ready_latched_.store(true);
  return true;
}

std::string TargetSet::describe_html() const {
  std::lock_guard lock(mutex_);
  return html_;
}

}  // namespace mexp
