// The history collector's per-poll order, budget and backoff (see history_pacing.h).
#include "collectors/history_pacing.h"

#include <algorithm>
#include <numeric>
#include <set>

namespace mexp {

std::vector<std::size_t> HistoryPacing::begin_poll(const std::vector<Key>& tables) {
  ++poll_;
  started_ = Clock::now();
  // Forget tables that are gone, so that the state stays as small as the list.
  const std::set<Key> present(tables.begin(), tables.end());
  std::erase_if(states_, [&](const auto& entry) { return !present.contains(entry.first); });
  for (const auto& table : tables) states_.try_emplace(table);

  std::vector<std::size_t> order(tables.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return states_.at(tables[a]).last_read_poll < states_.at(tables[b]).last_read_poll;
  });
  return order;
}

bool HistoryPacing::skip_backing_off(const Key& table) {
  auto& state = states_[table];
  if (state.polls_to_skip == 0) return false;
  --state.polls_to_skip;
  return true;
}

void HistoryPacing::read(const Key& table) {
  auto& state = states_[table];
  state.last_read_poll = poll_;
  state.consecutive_timeouts = 0;
  state.polls_to_skip = 0;
}

void HistoryPacing::timed_out(const Key& table) {
  auto& state = states_[table];
  state.last_read_poll = poll_;
  state.consecutive_timeouts = std::min(state.consecutive_timeouts + 1, 30);
  // A table that takes longer than statement_timeout will most likely do so again: each attempt
  // costs the whole timeout, so the attempts are spaced out, doubling up to kMaxSkippedPolls.
  state.polls_to_skip = std::min(1 << (state.consecutive_timeouts - 1), kMaxSkippedPolls);
}

int HistoryPacing::timeouts(const Key& table) const {
  const auto found = states_.find(table);
  return found == states_.end() ? 0 : found->second.consecutive_timeouts;
}

int HistoryPacing::polls_to_skip(const Key& table) const {
  const auto found = states_.find(table);
  return found == states_.end() ? 0 : found->second.polls_to_skip;
}

std::size_t HistoryPacing::tables_backing_off() const {
  return static_cast<std::size_t>(
      std::count_if(states_.begin(), states_.end(),
                    [](const auto& entry) { return entry.second.consecutive_timeouts > 0; }));
}

}  // namespace mexp
