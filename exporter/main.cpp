// migration_exporter entry point: flags → configuration → one poller per target → HTTP server
// (or `migration_exporter check ...`, the deploy gate in gate/).
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <functional>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

#include "build_info.h"
#include "core/duration.h"
#include "core/log.h"
#include "exporter/cli.h"
#include "exporter/config.h"
#include "exporter/healthcheck_command.h"
#include "exporter/http_server.h"
#include "exporter/poller.h"
#include "exporter/reloader.h"
#include "exporter/self_metrics.h"
#include "exporter/target_set.h"
#include "exporter/web_config.h"
#include "gate/command.h"

namespace {

constexpr int kExitUsage = 2;
constexpr int kExitConfig = 1;
// A POST /-/reload waits this long for its reload's outcome before answering 202.
constexpr std::chrono::seconds kReloadAnswerTimeout{10};

mexp::ConfigInputs config_inputs(const mexp::Flags& flags) {
  return {.file = flags.config_file,
          .default_interval = flags.poll_interval,
          .companion = flags.companion,
          .default_interval_explicit = flags.poll_interval_given,
          .collector_defaults = flags.collector_defaults,
          .disable_default_collectors = flags.disable_default_collectors,
          .discovery_defaults = flags.discovery};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string_view(argv[1]) == "check")
    return mexp::gate::run_check_command(std::vector<std::string>(argv + 2, argv + argc));
  if (argc > 1 && std::string_view(argv[1]) == "healthcheck")
    return mexp::run_healthcheck_command(std::vector<std::string>(argv + 2, argv + argc));
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
  auto config = mexp::load_config(config_inputs(*flags), errors);
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
  mexp::Reloader reloader(
      *config,
      [&flags](mexp::ConfigErrors& reload_errors) {
        return mexp::load_config(config_inputs(*flags), reload_errors);
      },
      [&targets](const mexp::Config& next) { targets.apply(next); },
      [&self_metrics](bool success) { self_metrics.record_config_load(success); });
  mexp::RouteHooks hooks{.ready = [&targets] { return targets.ready(); },
                         .targets_html = [&targets] { return targets.describe_html(); },
                         .reload = nullptr,
                         .telemetry_path = flags->telemetry_path};
  if (flags->enable_lifecycle) {
    hooks.reload = [&reloader] {
      switch (reloader.request_and_wait(kReloadAnswerTimeout)) {
        case mexp::ReloadResult::applied:
        case mexp::ReloadResult::unchanged:
          return mexp::ReloadOutcome::applied;
        case mexp::ReloadResult::rejected:
          return mexp::ReloadOutcome::rejected;
        case mexp::ReloadResult::queued:
          break;
      }
      return mexp::ReloadOutcome::queued;
    };
  }
  mexp::Routes routes(store, std::move(hooks));

  boost::asio::io_context io;
  // One listener per --web.listen-address, all answering from the same routes.
  std::vector<std::unique_ptr<mexp::HttpServer>> servers;
  for (const auto& address : flags->listen_addresses) {
    try {
      servers.push_back(std::make_unique<mexp::HttpServer>(
          io, address, routes,
          [&self_metrics](std::string_view route, unsigned status) {
            self_metrics.count_http_request(route, status);
          },
          web_config));
    } catch (const std::exception& failure) {
      mexp::log::error("cannot start HTTP server", {{"err", failure.what()}});
      return kExitConfig;
    }
  }
  for (std::size_t i = 0; i < servers.size(); ++i) {
    servers[i]->start();
    mexp::log::info("listening", {{"address", flags->listen_addresses[i]},
                                  {"port", std::to_string(servers[i]->port())},
                                  {"version", mexp::build::kVersion}});
  }
  targets.apply(*config);

  // SIGHUP reloads (its default action would kill the process); SIGTERM/SIGINT stop. A burst of
  // signals is coalesced by the reloader.
  boost::asio::signal_set hangup(io, SIGHUP);
  std::function<void(const boost::system::error_code&, int)> on_hangup =
      [&](const boost::system::error_code& error_code, int) {
        if (error_code) return;
        mexp::log::debug("SIGHUP received: reloading the configuration");
        reloader.request();
        hangup.async_wait(on_hangup);
      };
  hangup.async_wait(on_hangup);
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& wait_error, int signal_number) {
    if (wait_error) return;
    mexp::log::info("shutting down", {{"signal", std::to_string(signal_number)}});
    for (auto& server : servers) server->stop();
    hangup.cancel();
    reloader.stop();
    targets.stop();
    io.stop();
  });

  std::vector<std::thread> workers;
  const unsigned threads = std::max(2u, std::min(4u, std::thread::hardware_concurrency()));
  for (unsigned i = 1; i < threads; ++i) workers.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& worker : workers) worker.join();
  reloader.stop();
  targets.stop();
  return 0;
}
