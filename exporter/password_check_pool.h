// A small, bounded pool of threads for bcrypt. A password check costs tens of milliseconds of CPU;
// run on the I/O threads, a flood of wrong passwords would stall every connection, probes and
// authorised scrapes included. Here it waits its turn in a short queue, and when the queue is
// full the request is refused at once instead of queueing without bound.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace mexp {

class PasswordCheckPool {
 public:
  // `threads` workers; at most `max_pending` checks queued or running at once.
  PasswordCheckPool(unsigned threads, std::size_t max_pending);
  ~PasswordCheckPool();
  PasswordCheckPool(const PasswordCheckPool&) = delete;
  PasswordCheckPool& operator=(const PasswordCheckPool&) = delete;

  // Runs `check` on a worker, or returns false (and drops it) when max_pending are in flight.
  bool submit(std::function<void()> check);
  std::size_t refused() const;

  // The queue, shared with the workers: the pool may be destroyed by a check it runs (the last
  // owner of a connection that owns the server), and the worker must outlive that safely.
  struct Queue {
    std::size_t max_pending = 0;
    std::mutex mutex;
    std::condition_variable wake;
    std::deque<std::function<void()>> checks;
    std::size_t pending = 0;  // queued plus running
    std::size_t refused = 0;
    bool stopping = false;
  };

 private:
  static void work(const std::shared_ptr<Queue>& queue);

  std::shared_ptr<Queue> queue_;
  std::vector<std::thread> workers_;
};

}  // namespace mexp
