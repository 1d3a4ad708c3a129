// process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes,
// process_open_fds, process_max_fds, process_start_time_seconds (Linux /proc).
#include "exporter/process_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "core/metric_builder.h"

namespace mexp {
namespace {

double boot_time_seconds() {
  std::ifstream stat("/proc/stat");
  std::string key;
  double value = 0;
  while (stat >> key) {
    if (key == "btime") {
      stat >> value;
      return value;
    }
    stat.ignore(4096, '\n');
  }
  return 0;
}

}  // namespace

std::vector<prometheus::MetricFamily> collect_process_metrics() {
  std::vector<prometheus::MetricFamily> families;
  std::ifstream stat_file("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const auto close = stat.rfind(')');
  if (close != std::string::npos) {
    std::istringstream fields(stat.substr(close + 2));
    std::string field;
    std::vector<std::string> values;
    while (fields >> field) values.push_back(field);
    // values[0] is field 3 (state); utime=14, stime=15, starttime=22, vsize=23, rss=24.
    const auto at = [&](int field_number) {
      return std::stod(values.at(static_cast<std::size_t>(field_number - 3)));
    };
    const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
    auto cpu = counter_family("process_cpu_seconds_total",
                              "Total user and system CPU time spent in seconds.");
    add_counter(cpu, {}, (at(14) + at(15)) / ticks);
    families.push_back(std::move(cpu));
    auto start = gauge_family("process_start_time_seconds",
                              "Start time of the process since unix epoch in seconds.");
    add_gauge(start, {}, boot_time_seconds() + at(22) / ticks);
    families.push_back(std::move(start));
    auto virt = gauge_family("process_virtual_memory_bytes", "Virtual memory size in bytes.");
    add_gauge(virt, {}, at(23));
    families.push_back(std::move(virt));
    auto rss = gauge_family("process_resident_memory_bytes", "Resident memory size in bytes.");
    add_gauge(rss, {}, at(24) * page);
    families.push_back(std::move(rss));
  }
  std::error_code error;
  double open_fds = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", error);
       !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
    ++open_fds;
  }
  auto fds = gauge_family("process_open_fds", "Number of open file descriptors.");
  add_gauge(fds, {}, open_fds);
  families.push_back(std::move(fds));
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    auto max = gauge_family("process_max_fds", "Maximum number of open file descriptors.");
    add_gauge(max, {}, static_cast<double>(limit.rlim_cur));
    families.push_back(std::move(max));
  }
  return families;
}

}  // namespace mexp
