// migration_exporter entry point: flags → configuration → one poller per target → HTTP server.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <functional>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

#include "build_info.h"
#include "exporter/cli.h"
#include "exporter/config.h"
#include "exporter/duration.h"
#include "exporter/http_server.h"
#include "exporter/log.h"
#include "exporter/poller.h"
#include "exporter/self_metrics.h"

namespace {

constexpr int kExitUsage = 2;
constexpr int kExitConfig = 1;

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

std::string describe_targets(const mexp::Config& config) {
  std::string html =
      "<h2>Targets</h2>\n<table><tr><th>target</th><th>database</th><th>collectors</th></tr>\n";
  for (const auto& target : config.targets) {
    std::string collectors;
    for (const auto& plan : target.collectors) {
      collectors += (collectors.empty() ? "" : ", ") + plan.name + " (" +
                    mexp::format_duration(plan.interval) + ")";
    }
    html += "<tr><td>" + html_escape(target.name) + "</td><td>" +
            html_escape(mexp::describe_conninfo(target.session.conninfo)) + "</td><td>" +
            html_escape(collectors) + "</td></tr>\n";
  }
  return html + "</table>\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::string error;
  const auto flags = mexp::parse_flags(std::vector<std::string>(argv + 1, argv + argc), error);
  if (!flags) {
    std::cerr << "migration_exporter: " << error << "\n";
    return kExitUsage;
  }
  if (flags->help) {
    std::cout << mexp::usage();
    return 0;
  }
  if (flags->version) {
    std::cout << "migration_exporter, version " << mexp::build::kVersion
              << " (revision: " << mexp::build::kRevision << ")\n";
    return 0;
  }
  mexp::log::configure(flags->log_level, flags->log_format);

  mexp::ConfigErrors errors;
  auto config = mexp::load_config({flags->config_file, flags->poll_interval}, errors);
  if (!config) {
    for (const auto& problem : errors.list()) std::cerr << problem.to_string() << "\n";
    std::cerr << "migration_exporter: configuration invalid (" << errors.list().size() << " error"
              << (errors.list().size() == 1 ? "" : "s") << ")\n";
    return kExitConfig;
  }
  if (flags->check_config) {
    std::cout << "configuration OK: " << config->targets.size() << " target(s)\n";
    for (const auto& target : config->targets) {
      std::cout << "  " << target.name << ": " << mexp::describe_conninfo(target.session.conninfo)
                << "\n";
      for (const auto& plan : target.collectors) {
        std::cout << "    " << plan.name << " every " << mexp::format_duration(plan.interval)
                  << "\n";
      }
    }
    return 0;
  }

  mexp::SelfMetrics self_metrics;
  mexp::SnapshotStore store([&self_metrics] { return self_metrics.collect(); });
  std::vector<std::unique_ptr<mexp::Poller>> pollers;
  for (auto& target : config->targets) {
    pollers.push_back(std::make_unique<mexp::Poller>(target, config->label_targets, store));
  }
  const std::string targets_html = describe_targets(*config);
  mexp::Routes routes(store, {.ready =
                                  [&pollers] {
                                    for (const auto& poller : pollers) {
                                      if (!poller->first_poll_done()) return false;
                                    }
                                    return true;
                                  },
                              .targets_html = [&targets_html] { return targets_html; }});

  boost::asio::io_context io;
  std::unique_ptr<mexp::HttpServer> server;
  try {
    server = std::make_unique<mexp::HttpServer>(
        io, flags->listen_address, routes,
        [&self_metrics](std::string_view route, unsigned status) {
          self_metrics.count_http_request(route, status);
        });
  } catch (const std::exception& failure) {
    mexp::log::error("cannot start HTTP server", {{"err", failure.what()}});
    return kExitConfig;
  }
  server->start();
  mexp::log::info("listening", {{"address", flags->listen_address},
                                {"port", std::to_string(server->port())},
                                {"version", mexp::build::kVersion}});
  for (auto& poller : pollers) poller->start();

  // SIGHUP's default action would kill the process (systemd and Kubernetes send it to reload).
  boost::asio::signal_set hangup(io, SIGHUP);
  std::function<void(const boost::system::error_code&, int)> on_hangup =
      [&](const boost::system::error_code& e, int) {
        if (e) return;
        mexp::log::warn(
            "SIGHUP received: configuration reload is not supported yet, restart to apply changes");
        hangup.async_wait(on_hangup);

        boost::asio::signal_set signals(io, SIGINT, SIGTERM);
        signals.async_wait([&](const boost::system::error_code& wait_error, int signal_number) {
          if (wait_error) return;
          mexp::log::info("shutting down", {{"signal", std::to_string(signal_number)}});
          server->stop();
          hangup.cancel();
          for (auto& poller : pollers) poller->stop();
          io.stop();
        });
      };
  hangup.async_wait(on_hangup);

  std::vector<std::thread> workers;
  const unsigned threads = std::max(2u, std::min(4u, std::thread::hardware_concurrency()));
  for (unsigned i = 1; i < threads; ++i) workers.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& worker : workers) worker.join();
  for (auto& poller : pollers) poller->stop();
  return 0;
}
