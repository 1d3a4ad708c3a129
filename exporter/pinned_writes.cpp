// Bookkeeping of the snapshots held by unfinished writes, and the eviction of the oldest.
#include "exporter/pinned_writes.h"

#include <algorithm>

namespace mexp {

PinnedWrites::Ticket PinnedWrites::add(const void* snapshot, std::int64_t generation,
                                       std::size_t bytes, std::function<void()> drop) {
  std::vector<std::function<void()>> drops;
  Ticket ticket = 0;
  {
    std::lock_guard lock(mutex_);
    ticket = next_++;
    auto& entry = pinned_[snapshot];
    entry.generation = generation;
    entry.bytes = std::max(entry.bytes, bytes);
    entry.writes.emplace(ticket, std::move(drop));
    tickets_.emplace(ticket, snapshot);
    const auto newest = std::max_element(pinned_.begin(), pinned_.end(), [](auto& a, auto& b) {
      return a.second.generation < b.second.generation;
    });
    const std::size_t budget = std::max(floor_bytes_, stale_factor_ * newest->second.bytes);
    std::size_t stale = 0;
    for (const auto& [key, held] : pinned_)
      if (key != newest->first) stale += held.bytes;
    while (stale > budget) {
      auto oldest = std::min_element(pinned_.begin(), pinned_.end(), [](auto& a, auto& b) {
        return a.second.generation < b.second.generation;
      });
      stale -= oldest->second.bytes;
      for (auto& [held_ticket, held_drop] : oldest->second.writes) {
        tickets_.erase(held_ticket);
        drops.push_back(std::move(held_drop));
        ++dropped_;
      }
      pinned_.erase(oldest);
    }
  }
  for (auto& run : drops) run();
  return ticket;
}

void PinnedWrites::remove(Ticket ticket) {
  std::lock_guard lock(mutex_);
  const auto found = tickets_.find(ticket);
  if (found == tickets_.end()) return;
  const auto entry = pinned_.find(found->second);
  tickets_.erase(found);
  if (entry == pinned_.end()) return;
  entry->second.writes.erase(ticket);
  if (entry->second.writes.empty()) pinned_.erase(entry);
}

std::size_t PinnedWrites::pinned_bytes() const {
  std::lock_guard lock(mutex_);
  std::size_t bytes = 0;
  for (const auto& [key, held] : pinned_) bytes += held.bytes;
  return bytes;
}

std::size_t PinnedWrites::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

}  // namespace mexp
