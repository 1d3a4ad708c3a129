// Who waits for whom, built from pg_blocking_pids(): the longest chain of waits behind a session,
// and every session that waits (directly or through others) on a given set of sessions.
#pragma once

#include <map>
#include <set>
#include <string_view>
#include <vector>

namespace mexp {

class BlockingGraph {
 public:
  // `pid` waits for every pid in `blockers` (pg_blocking_pids: holders of a conflicting lock and
  // sessions queued ahead of it with a conflicting request; 0 stands for a prepared transaction).
  void add_waiter(int pid, std::vector<int> blockers);

  bool is_blocked(int pid) const;
  // Number of waits in the longest chain that starts at `pid`: 0 when it does not wait, 1 when it
  // waits for sessions that do not wait themselves, and so on. A cycle (a deadlock the detector
  // has not broken yet) is cut where it closes, so the answer is always finite.
  int chain_depth(int pid) const;
  // Every blocked session whose chain of waits reaches one of `roots` (the roots themselves are
  // left out).
  std::set<int> waiting_on(const std::set<int>& roots) const;

 private:
  int depth_from(int pid, std::set<int>& on_path) const;

  std::map<int, std::vector<int>> blockers_;
  mutable std::map<int, int> depth_cache_;
};

// "12,34" (array_to_string(pg_blocking_pids(pid), ',')) as numbers; an empty text is no blockers.
std::vector<int> parse_pid_list(std::string_view text);

}  // namespace mexp
