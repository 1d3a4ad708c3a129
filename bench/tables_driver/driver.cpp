// Benchmark driver: polls the named collectors against DATA_SOURCE_NAME the way the poller does,
// serialises every poll once, and prints per-poll duration, series, body bytes and the process's
// RSS, so bench/tables_scale.sh can set them next to postgres_exporter's.
//   tables_bench_driver POLLS 'TOML options' COLLECTOR...
#include <prometheus/text_serializer.h>
#include <toml++/toml.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "core/collector.h"

namespace {

long status_kib(const std::string& field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: tables_bench_driver POLLS 'TOML collector options' COLLECTOR...\n";
    return 2;
  }
  const int polls = std::stoi(argv[1]);
  const toml::table options = toml::parse(argv[2]);
  const char* dsn = std::getenv("DATA_SOURCE_NAME");
  mexp::SessionSettings settings;
  settings.conninfo = dsn != nullptr ? dsn : "";
  settings.statement_timeout = std::chrono::milliseconds(30000);
  mexp::PgSession session(settings);
  session.connect();
  const mexp::Labels base = {{"datname", session.datname()}};

  std::vector<std::unique_ptr<mexp::Collector>> collectors;
  for (int i = 3; i < argc; ++i) {
    const auto* info = mexp::find_collector(argv[i]);
    if (info == nullptr) {
      std::cerr << "unknown collector " << argv[i] << "\n";
      return 2;
    }
    const auto* section = options.get(argv[i]);
    mexp::ConfigErrors errors;
    mexp::CollectorOptions reader(section != nullptr ? section->as_table() : nullptr, nullptr,
                                  std::string("collectors.") + argv[i], "", "bench", errors);
    collectors.push_back(info->factory(reader));
    reader.report_unknown_keys();
    if (!errors.empty()) {
      std::cerr << errors.joined() << "\n";
      return 2;
    }
  }

  std::vector<double> durations, collect_durations;
  std::size_t series = 0, bytes = 0;
  for (int poll = 0; poll < polls; ++poll) {
    const auto started = std::chrono::steady_clock::now();
    std::vector<prometheus::MetricFamily> families;
    for (auto& collector : collectors) {
      mexp::CollectContext context{session, base, std::chrono::system_clock::now()};
      auto part = collector->collect(context);
      std::move(part.begin(), part.end(), std::back_inserter(families));
    }
    collect_durations.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    const std::string body = prometheus::TextSerializer().Serialize(families);
    durations.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    series = 0;
    for (const auto& family : families) series += family.metric.size();
    bytes = body.size();
  }
  std::sort(durations.begin(), durations.end());
  std::sort(collect_durations.begin(), collect_durations.end());
  std::cout << "polls=" << polls << " median_s=" << durations[durations.size() / 2]
            << " max_s=" << durations.back()
            << " collect_median_s=" << collect_durations[collect_durations.size() / 2]
            << " series=" << series << " bytes=" << bytes << " rss_kib=" << status_kib("VmRSS")
            << " hwm_kib=" << status_kib("VmHWM") << "\n";
  return 0;
}
