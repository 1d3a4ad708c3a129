// The reload thread: wait for a request, keep the spacing, load, compare, apply.
#include "exporter/reloader.h"

#include "core/log.h"

namespace mexp {

Reloader::Reloader(const Config& running, Load load, Apply apply, Record record,
                   std::chrono::milliseconds min_spacing)
    : load_(std::move(load)),
      apply_(std::move(apply)),
      record_(std::move(record)),
      min_spacing_(min_spacing),
      running_from_file_(running.targets_from_file),
      running_fingerprint_(running.fingerprint),
      thread_([this] { run(); }) {}

Reloader::~Reloader() { stop(); }

void Reloader::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Reloader::request() {
  {
    std::lock_guard lock(mutex_);
    ++requested_;
  }
  changed_.notify_all();
}

ReloadResult Reloader::request_and_wait(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  const bool idle = !reloading_ && requested_ == started_ &&
                    Clock::now() >= last_finished_ + min_spacing_ && !stopping_;
  const auto generation = ++requested_;
  changed_.notify_all();
  if (!idle) return ReloadResult::queued;
  const bool done = changed_.wait_for(lock, timeout, [&] { return finished_ >= generation; });
  return done ? last_result_ : ReloadResult::queued;
}

void Reloader::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    changed_.wait(lock, [this] { return stopping_ || requested_ > started_; });
    if (stopping_) return;
    const auto earliest = last_finished_ + min_spacing_;
    if (Clock::now() < earliest) {
      changed_.wait_until(lock, earliest, [this] { return stopping_; });
      continue;
    }
    started_ = requested_;  // every request so far is served by this one reload
    reloading_ = true;
    lock.unlock();
    const ReloadResult result = reload_once();
    lock.lock();
    reloading_ = false;
    finished_ = started_;
    last_result_ = result;
    last_finished_ = Clock::now();
    changed_.notify_all();
  }
}

ReloadResult Reloader::reload_once() {
  ConfigErrors errors;
  auto next = load_(errors);
  if (next && running_from_file_ && !next->targets_from_file) {
    errors.add({next->file, 0, 0, "targets",
                "the file no longer has [[targets]]; a reload does not replace configured targets "
                "with the environment's (restart the exporter to do that)"});
    next.reset();
  }
  record_(next.has_value());
  if (!next) {
    // The errors go to the log only: the HTTP answer and the metrics say that, not what.
    for (const auto& problem : errors.list())
      log::error("configuration reload rejected", {{"err", problem.to_string()}});
    log::error("the previous configuration stays active",
               {{"errors", std::to_string(errors.list().size())}});
    return ReloadResult::rejected;
  }
  if (next->fingerprint == running_fingerprint_) {
    log::info("configuration unchanged: nothing restarted");
    return ReloadResult::unchanged;
  }
  apply_(*next);
  running_fingerprint_ = next->fingerprint;
  running_from_file_ = next->targets_from_file;
  log::info("configuration reloaded", {{"targets", std::to_string(next->targets.size())}});
  return ReloadResult::applied;
}

}  // namespace mexp
