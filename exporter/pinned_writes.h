// The memory that unfinished /metrics writes keep alive. A reply holds its snapshot until the
// client has read it all, so clients that never read would otherwise pin one snapshot per poll
// for as long as their write deadline lasts. The ledger bounds what stale snapshots (any but the
// newest being written) may pin, and drops the writes that hold the oldest ones past the bound.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <vector>

namespace mexp {

class PinnedWrites {
 public:
  // Stale snapshots may pin max(floor_bytes, stale_factor × the newest snapshot's size): enough
  // for a scrape in progress when a poll lands (or two) to finish, never one snapshot per poll.
  explicit PinnedWrites(std::size_t floor_bytes = 4 << 20, std::size_t stale_factor = 2)
      : floor_bytes_(floor_bytes), stale_factor_(stale_factor) {}

  using Ticket = std::uint64_t;
  // A write of `bytes` from the snapshot `snapshot`, created at `generation` (later snapshots
  // have larger generations), has started. `drop` is called (without the ledger's lock held, on
  // the caller's thread) when the write must be abandoned to keep within the bound; it must be
  // safe to call from any thread.
  Ticket add(const void* snapshot, std::int64_t generation, std::size_t bytes,
             std::function<void()> drop);
  void remove(Ticket ticket);  // the write finished (or failed); a no-op after a drop

  std::size_t pinned_bytes() const;  // every distinct snapshot held by unfinished writes, once
  std::size_t dropped() const;

 private:
  struct Pinned {
    std::int64_t generation = 0;
    std::size_t bytes = 0;
    std::map<Ticket, std::function<void()>> writes;
  };

  const std::size_t floor_bytes_;
  const std::size_t stale_factor_;
  mutable std::mutex mutex_;
  Ticket next_ = 1;
  std::map<const void*, Pinned> pinned_;
  std::map<Ticket, const void*> tickets_;
  std::size_t dropped_ = 0;
};

}  // namespace mexp
