// Benchmark driver for the migration-source scanner (bench/sources_scan.sh): N Flyway files in a
// temporary directory, scanned cold (every file read and checksummed) and unchanged (size and
// mtime only), then compared with an N-row history; prints wall times and the RSS each step adds.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "sources/checksums.h"
#include "sources/comparison.h"
#include "sources/source_scan.h"

namespace {

long rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

template <typename F>
double millis(F&& work) {
  const auto start = std::chrono::steady_clock::now();
  work();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

}  // namespace

int main(int argc, char** argv) {
  const int files = argc > 1 ? std::stoi(argv[1]) : 10000;
  const int rounds = argc > 2 ? std::stoi(argv[2]) : 5;
  char pattern[] = "/tmp/me-bench-sources.XXXXXX";
  if (::mkdtemp(pattern) == nullptr) return 1;
  const std::filesystem::path dir = pattern;
  std::vector<mexp::AppliedMigration> history;
  for (int i = 1; i <= files; ++i) {
    // A typical migration: a few hundred bytes over a dozen lines.
    std::string content;
    for (int line = 0; line < 12; ++line)
      content += "ALTER TABLE t" + std::to_string(i) + " ADD COLUMN c" + std::to_string(line) +
                 " integer NOT NULL DEFAULT 0;\n";
    std::ofstream(dir / ("V" + std::to_string(i) + "__migration_" + std::to_string(i) + ".sql"))
        << content;
    if (i < files) {  // the last one stays pending
      history.push_back({"apply", std::to_string(i), "migration", "SQL", "",
                         std::to_string(mexp::flyway_checksum(content)), true, i});
    }
  }
  const auto& flyway = *mexp::find_source_tool("flyway");
  const mexp::SourceNaming naming;
  const long rss_start = rss_kib();
  mexp::SourceScanner scanner(mexp::ScanLimits{.max_files = static_cast<std::size_t>(files) + 10});
  mexp::SourceSnapshot snapshot;
  const double cold = millis([&] { snapshot = scanner.scan(dir, flyway, naming); });
  const long rss_cold = rss_kib();
  const std::size_t hashed_cold = snapshot.files_hashed;
  double warm_total = 0, compare_total = 0;
  std::size_t pending = 0;
  for (int round = 0; round < rounds; ++round) {
    warm_total += millis([&] { snapshot = scanner.scan(dir, flyway, naming); });
    compare_total += millis(
        [&] { pending = mexp::compare_migrations(flyway, snapshot, history).pending.size(); });
  }
  const long rss_end = rss_kib();
  std::printf("files %d, up %d, hashed cold %zu, hashed unchanged %zu, pending %zu\n", files,
              snapshot.up ? 1 : 0, hashed_cold, snapshot.files_hashed, pending);
  std::printf("scan cold      %8.1f ms\n", cold);
  std::printf("scan unchanged %8.1f ms (mean of %d)\n", warm_total / rounds, rounds);
  std::printf("compare        %8.1f ms (mean of %d, %zu history rows)\n", compare_total / rounds,
              rounds, history.size());
  std::printf(
      "RSS added: %ld KiB by the cold scan (digest cache + snapshot), %ld KiB after %d "
      "unchanged polls\n",
      rss_cold - rss_start, rss_end - rss_start, rounds);
  std::filesystem::remove_all(dir);
  return snapshot.up && snapshot.files_hashed == 0 ? 0 : 1;
}
