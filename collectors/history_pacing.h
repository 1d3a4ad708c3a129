// Which history tables the history collector reads in a poll, and in what order: at most
// max_tables of them, none past the collector's time budget, and none that is backing off after
// exceeding statement_timeout. The SQL stays in history.cpp; this is only bookkeeping.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace mexp {

struct HistoryPacingOptions {
  // Tables beyond this many (configured ones first, then auto-detected ones by schema and name)
  // are not exported: 500 tenant schemas must not mean 500 statements and 27,000 series a poll.
  std::size_t max_tables = 50;
  // No table is started once a poll has run this long: one slow view cannot hold up the rest of
  // the poll (and the other collectors of its lane) for tables × statement_timeout.
  std::chrono::milliseconds budget{10000};
};

class HistoryPacing {
 public:
  using Key = std::pair<std::string, std::string>;  // schema, table
  using Clock = std::chrono::steady_clock;

  // After this many consecutive statement timeouts the skip stops doubling: 1, 2, 4, ... 32 polls.
  static constexpr int kMaxSkippedPolls = 32;

  explicit HistoryPacing(HistoryPacingOptions options) : options_(options) {}

  std::size_t max_tables() const { return options_.max_tables; }

  // Starts a poll over `tables` (already cut to max_tables): returns their indexes in the order to
  // read them, the tables read longest ago first, so that a budget too small for all of them still
  // reads each in turn.
  std::vector<std::size_t> begin_poll(const std::vector<Key>& tables);
  // Whether the poll has spent its budget (no further table is started).
  bool over_budget() const { return Clock::now() - started_ >= options_.budget; }
  // Whether `table` sits this poll out after statement timeouts; counts the poll as skipped.
  bool skip_backing_off(const Key& table);

  void read(const Key& table);       // the statement finished (any outcome but a timeout)
  void timed_out(const Key& table);  // the statement hit statement_timeout
  // Consecutive timeouts of `table` (0 when its last read finished in time).
  int timeouts(const Key& table) const;
  // Polls `table` will still be skipped for.
  int polls_to_skip(const Key& table) const;
  // Tables whose last read hit statement_timeout (read again only after skipped polls).
  std::size_t tables_backing_off() const;

 private:
  struct TableState {
    std::uint64_t last_read_poll = 0;  // 0: never read
    int consecutive_timeouts = 0;
    int polls_to_skip = 0;
  };

  HistoryPacingOptions options_;
  std::uint64_t poll_ = 0;
  Clock::time_point started_{};
  std::map<Key, TableState> states_;
};

}  // namespace mexp
