// migration_exporter entry point: flags → configuration → one poller per target → HTTP server
// (or `migration_exporter check ...`, the deploy gate in gate/).
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "build_info.h"
#include "core/duration.h"
#include "core/log.h"
#include "exporter/cli.h"
#include "exporter/config.h"
#include "exporter/http_server.h"
#include "exporter/poller.h"
#include "exporter/self_metrics.h"
#include "exporter/target_set.h"
#include "exporter/web_config.h"
#include "gate/command.h"

namespace {

constexpr int kExitUsage = 2;
constexpr int kExitConfig = 1;

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string_view(argv[1]) == "check")
    return mexp::gate::run_check_command(std::vector<std::string>(argv + 2, argv + argc));
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
  mexp::WebConfig web_config;
  if (!flags->web_config_file.empty()) {
    mexp::ConfigErrors web_errors;
    auto loaded = mexp::load_web_config(flags->web_config_file, web_errors);
    if (!loaded) {
      for (const auto& problem : web_errors.list()) std::cerr << problem.to_string() << "\n";
      std::cerr << "migration_exporter: web configuration invalid\n";
      return kExitConfig;
    }
    web_config = *loaded;
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
  self_metrics.record_config_load(true);
  mexp::SnapshotStore store([&self_metrics] { return self_metrics.collect(); });
  mexp::TargetSet targets(store);
  std::mutex reload_mutex;
  const auto reload = [&]() -> mexp::ReloadOutcome {
    std::lock_guard lock(reload_mutex);
    mexp::ConfigErrors reload_errors;
    auto next = mexp::load_config({flags->config_file, flags->poll_interval}, reload_errors);
    self_metrics.record_config_load(next.has_value());
    if (!next) {
      mexp::log::error("configuration reload rejected; the previous configuration stays active",
                       {{"errors", reload_errors.joined()}});
      return {false, reload_errors.joined()};
    }
    targets.apply(*next);
    mexp::log::info("configuration reloaded", {{"targets", std::to_string(next->targets.size())}});
    return {true, ""};
  };
  mexp::Routes routes(store, {.ready = [&targets] { return targets.ready(); },
                              .targets_html = [&targets] { return targets.describe_html(); },
                              .reload = reload});

  boost::asio::io_context io;
  std::unique_ptr<mexp::HttpServer> server;
  try {
    server = std::make_unique<mexp::HttpServer>(
        io, flags->listen_address, routes,
        [&self_metrics](std::string_view route, unsigned status) {
          self_metrics.count_http_request(route, status);
        },
        web_config);
  } catch (const std::exception& failure) {
    mexp::log::error("cannot start HTTP server", {{"err", failure.what()}});
    return kExitConfig;
  }
  server->start();
  mexp::log::info("listening", {{"address", flags->listen_address},
                                {"port", std::to_string(server->port())},
                                {"version", mexp::build::kVersion}});
  targets.apply(*config);

  // SIGHUP reloads (its default action would kill the process); SIGTERM/SIGINT stop.
  boost::asio::signal_set hangup(io, SIGHUP);
  std::function<void(const boost::system::error_code&, int)> on_hangup =
      [&](const boost::system::error_code& error_code, int) {
        if (error_code) return;
        mexp::log::info("SIGHUP received: reloading the configuration");
        reload();
        hangup.async_wait(on_hangup);
      };
  hangup.async_wait(on_hangup);
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& wait_error, int signal_number) {
    if (wait_error) return;
    mexp::log::info("shutting down", {{"signal", std::to_string(signal_number)}});
    server->stop();
    hangup.cancel();
    targets.stop();
    io.stop();
  });

  std::vector<std::thread> workers;
  const unsigned threads = std::max(2u, std::min(4u, std::thread::hardware_concurrency()));
  for (unsigned i = 1; i < threads; ++i) workers.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& worker : workers) worker.join();
  targets.stop();
  return 0;
}
