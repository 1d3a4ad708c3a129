// The worker threads and the bounded queue of password checks.
#include "exporter/password_check_pool.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace mexp {

PasswordCheckPool::PasswordCheckPool(unsigned threads, std::size_t max_pending)
    : queue_(std::make_shared<Queue>()) {
  queue_->max_pending = max_pending;
  for (unsigned i = 0; i < threads; ++i) workers_.emplace_back([queue = queue_] { work(queue); });
}

PasswordCheckPool::~PasswordCheckPool() {
  std::deque<std::function<void()>> abandoned;
  {
    std::lock_guard lock(queue_->mutex);
    queue_->stopping = true;
    abandoned.swap(queue_->checks);
  }
  queue_->wake.notify_all();
  for (auto& worker : workers_) {
    // A thread cannot join itself; it ends on its own once it sees `stopping`.
    if (worker.get_id() == std::this_thread::get_id()) {
      worker.detach();
    } else {
      worker.join();
    }
  }
}

bool PasswordCheckPool::submit(std::function<void()> check) {
  {
    std::lock_guard lock(queue_->mutex);
    if (queue_->stopping || queue_->pending >= queue_->max_pending) {
      ++queue_->refused;
      return false;
    }
    ++queue_->pending;
    queue_->checks.push_back(std::move(check));
  }
  queue_->wake.notify_one();
  return true;
}

std::size_t PasswordCheckPool::refused() const {
  std::lock_guard lock(queue_->mutex);
  return queue_->refused;
}

void PasswordCheckPool::work(const std::shared_ptr<Queue>& queue) {
  // Below the I/O threads' priority: when the CPU is short, connections are served first and
  // password checks wait (their queue is bounded). Linux applies nice values per thread.
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 10);
  for (;;) {
    std::function<void()> check;
    {
      std::unique_lock lock(queue->mutex);
      queue->wake.wait(lock, [&] { return queue->stopping || !queue->checks.empty(); });
      if (queue->stopping) return;
      check = std::move(queue->checks.front());
      queue->checks.pop_front();
    }
    check();
    check = nullptr;  // may destroy the pool (see Queue); `queue` stays valid
    std::lock_guard lock(queue->mutex);
    --queue->pending;
  }
}

}  // namespace mexp
