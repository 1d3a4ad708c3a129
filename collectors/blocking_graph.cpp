// Chain depth and reachability over the waits-for graph of pg_blocking_pids().
#include "collectors/blocking_graph.h"

#include <algorithm>
#include <charconv>
#include <deque>

namespace mexp {

void BlockingGraph::add_waiter(int pid, std::vector<int> blockers) {
  std::sort(blockers.begin(), blockers.end());
  blockers.erase(std::unique(blockers.begin(), blockers.end()), blockers.end());
  blockers.erase(std::remove(blockers.begin(), blockers.end(), pid), blockers.end());
  if (blockers.empty()) return;
  blockers_[pid] = std::move(blockers);
  depth_cache_.clear();
}

bool BlockingGraph::is_blocked(int pid) const { return blockers_.contains(pid); }

int BlockingGraph::chain_depth(int pid) const {
  std::set<int> on_path;
  return depth_from(pid, on_path);
}

int BlockingGraph::depth_from(int pid, std::set<int>& on_path) const {
  const auto waits = blockers_.find(pid);
  if (waits == blockers_.end()) return 0;
  if (const auto cached = depth_cache_.find(pid); cached != depth_cache_.end())
    return cached->second;
  on_path.insert(pid);
  int deepest = 0;
  for (int blocker : waits->second) {
    if (on_path.contains(blocker)) continue;  // the cycle closes here
    deepest = std::max(deepest, depth_from(blocker, on_path));
  }
  on_path.erase(pid);
  // Only results computed without cutting a cycle below are path-independent; cache them all the
  // same: a cycle lives at most deadlock_timeout, and any finite answer is acceptable for it.
  depth_cache_[pid] = deepest + 1;
  return deepest + 1;
}

std::set<int> BlockingGraph::waiting_on(const std::set<int>& roots) const {
  std::map<int, std::vector<int>> waiters_of;
  for (const auto& [waiter, blockers] : blockers_) {
    for (int blocker : blockers) waiters_of[blocker].push_back(waiter);
  }
  std::set<int> reached;
  std::deque<int> queue(roots.begin(), roots.end());
  while (!queue.empty()) {
    const int pid = queue.front();
    queue.pop_front();
    const auto found = waiters_of.find(pid);
    if (found == waiters_of.end()) continue;
    for (int waiter : found->second) {
      if (roots.contains(waiter) || !reached.insert(waiter).second) continue;
      queue.push_back(waiter);
    }
  }
  return reached;
}

std::vector<int> parse_pid_list(std::string_view text) {
  std::vector<int> pids;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const auto item = text.substr(0, comma);
    int pid = 0;
    if (std::from_chars(item.data(), item.data() + item.size(), pid).ec == std::errc{})
      pids.push_back(pid);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return pids;
}

}  // namespace mexp
