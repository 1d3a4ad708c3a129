// Configuration reloads (SIGHUP, POST /-/reload), run one at a time on a thread of their own and
// coalesced: requests that arrive while a reload runs, or within a second of the last one, are
// served by a single later reload, so a burst of signals or posts costs at most two reloads.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "exporter/config.h"

namespace mexp {

enum class ReloadResult {
  applied,    // a changed configuration replaced the running one
  unchanged,  // the configuration is what runs already: nothing restarted, nothing reconnected
  rejected,   // invalid (errors logged); the running configuration stays
  queued,     // coalesced into a later reload whose outcome goes to the log and the metrics
};

class Reloader {
 public:
  using Load = std::function<std::optional<Config>(ConfigErrors&)>;
  using Apply = std::function<void(const Config&)>;
  using Record = std::function<void(bool success)>;

  // `running` is the configuration in use when the reloader starts.
  Reloader(const Config& running, Load load, Apply apply, Record record,
           std::chrono::milliseconds min_spacing = std::chrono::seconds(1));
  ~Reloader();
  Reloader(const Reloader&) = delete;
  Reloader& operator=(const Reloader&) = delete;

  // SIGHUP: asks for a reload and returns at once.
  void request();
  // POST /-/reload: when a reload can start at once, waits (at most `timeout`) for its outcome;
  // otherwise the request joins the pending one and the answer is `queued`. At most one caller
  // waits at a time, so a flood of posts never holds more than one HTTP thread.
  ReloadResult request_and_wait(std::chrono::milliseconds timeout);
  void stop();

 private:
  using Clock = std::chrono::steady_clock;
  void run();
  ReloadResult reload_once();

  Load load_;
  Apply apply_;
  Record record_;
  std::chrono::milliseconds min_spacing_;
  bool running_from_file_;  // the running targets are the file's [[targets]]
  std::size_t running_fingerprint_;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::uint64_t requested_ = 0;  // generation of the latest request
  std::uint64_t started_ = 0;    // the latest request the running or last reload covers
  std::uint64_t finished_ = 0;   // the latest request whose reload has finished
  bool reloading_ = false;
  bool stopping_ = false;
  Clock::time_point last_finished_{};
  ReloadResult last_result_ = ReloadResult::unchanged;
  std::thread thread_;
};

}  // namespace mexp
