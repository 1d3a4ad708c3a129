// Reload coalescing: a burst of requests costs at most two loads, a changed configuration is
// applied, an unchanged one restarts nothing, and a truncated file never drops the targets.
#include "exporter/reloader.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

using namespace std::chrono_literals;

namespace {

mexp::Config config_with(std::size_t fingerprint, bool from_file = true) {
  mexp::Config config;
  config.fingerprint = fingerprint;
  config.targets_from_file = from_file;
  config.targets.resize(1);
  return config;
}

// A reloader over a configuration whose next load returns `next` (nullopt: invalid).
struct Harness {
  std::atomic<int> loads{0};
  std::atomic<int> applies{0};
  std::atomic<int> failures_recorded{0};
  std::optional<mexp::Config> next;
  std::mutex next_mutex;
  std::chrono::milliseconds load_time{0};

  std::unique_ptr<mexp::Reloader> start(const mexp::Config& running,
                                        std::chrono::milliseconds spacing = 1s) {
    return std::make_unique<mexp::Reloader>(
        running,
        [this](mexp::ConfigErrors& errors) -> std::optional<mexp::Config> {
          ++loads;
          std::this_thread::sleep_for(load_time);
          std::lock_guard lock(next_mutex);
          if (!next) errors.add({"x.toml", 1, 1, "k", "bad"});
          return next;
        },
        [this](const mexp::Config&) { ++applies; },
        [this](bool success) {
          if (!success) ++failures_recorded;
        },
        spacing);
  }
};

}  // namespace

TEST(Reloader, FiftySignalsInABurstCostAtMostTwoReloads) {
  Harness harness;
  harness.next = config_with(2);
  harness.load_time = 50ms;
  auto reloader = harness.start(config_with(1));
  for (int i = 0; i < 50; ++i) {
    reloader->request();
    std::this_thread::sleep_for(2ms);  // 50 signals over ~100 ms
  }
  std::this_thread::sleep_for(1500ms);  // past the spacing: the coalesced reload has run
  EXPECT_GE(harness.loads.load(), 1);
  EXPECT_LE(harness.loads.load(), 2);
  EXPECT_EQ(harness.applies.load(), 1) << "the second load finds the configuration unchanged";
}

TEST(Reloader, AnIdlePostWaitsForItsOutcomeAndABurstIsQueued) {
  Harness harness;
  harness.next = config_with(2);
  harness.load_time = 100ms;
  auto reloader = harness.start(config_with(1));
  EXPECT_EQ(reloader->request_and_wait(5s), mexp::ReloadResult::applied);
  // Within the spacing, or while one runs: queued at once, never waiting.
  const auto started = std::chrono::steady_clock::now();
  int queued = 0;
  for (int i = 0; i < 20; ++i)
    queued += reloader->request_and_wait(5s) == mexp::ReloadResult::queued;
  EXPECT_EQ(queued, 20);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 200ms) << "queued requests do not wait";
  std::this_thread::sleep_for(2200ms);  // the coalesced reload, then the spacing after it
  EXPECT_EQ(harness.loads.load(), 2) << "the 20 queued requests made one reload";
  EXPECT_EQ(reloader->request_and_wait(5s), mexp::ReloadResult::unchanged);
  EXPECT_EQ(harness.applies.load(), 1);
}

TEST(Reloader, AnInvalidConfigurationIsRejectedAndRecorded) {
  Harness harness;
  auto reloader = harness.start(config_with(1));
  EXPECT_EQ(reloader->request_and_wait(5s), mexp::ReloadResult::rejected);
  EXPECT_EQ(harness.failures_recorded.load(), 1);
  EXPECT_EQ(harness.applies.load(), 0);
}

TEST(Reloader, AFileThatLostItsTargetsDoesNotSwapThemForTheEnvironments) {
  Harness harness;
  harness.next = config_with(2, /*from_file=*/false);
  auto reloader = harness.start(config_with(1, /*from_file=*/true));
  EXPECT_EQ(reloader->request_and_wait(5s), mexp::ReloadResult::rejected);
  EXPECT_EQ(harness.applies.load(), 0);
}
