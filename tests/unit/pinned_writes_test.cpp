// The bound on memory that unfinished writes pin: stale snapshots past the budget are dropped,
// oldest first, and the newest is never dropped.
#include "exporter/pinned_writes.h"

#include <gtest/gtest.h>

#include <array>

TEST(PinnedWrites, StaleSnapshotsPastTheBudgetAreDroppedOldestFirst) {
  constexpr std::size_t kMiB = 1 << 20;
  mexp::PinnedWrites ledger(/*floor_bytes=*/2 * kMiB, /*stale_factor=*/2);
  std::array<int, 20> snapshots{};
  std::array<int, 20> drops{};
  // 20 polls, 25 clients that never read each: one snapshot of 1 MiB per poll.
  for (int poll = 0; poll < 20; ++poll) {
    for (int client = 0; client < 25; ++client)
      ledger.add(&snapshots[poll], poll, kMiB, [&drops, poll] { ++drops[poll]; });
    EXPECT_LE(ledger.pinned_bytes(), 3 * kMiB)
        << "newest + a budget of max(2 MiB, 2 x 1 MiB) stale, whatever the number of clients";
  }
  EXPECT_EQ(drops[19], 0) << "the newest snapshot's writes are never dropped";
  EXPECT_EQ(drops[18], 0);
  EXPECT_EQ(drops[17], 0);
  for (int poll = 0; poll < 17; ++poll) EXPECT_EQ(drops[poll], 25) << poll;
  EXPECT_EQ(ledger.dropped(), 17u * 25u);
}

TEST(PinnedWrites, FinishedWritesReleaseTheirSnapshot) {
  mexp::PinnedWrites ledger(1, 1);
  int a = 0;
  int b = 0;
  int dropped = 0;
  const auto first = ledger.add(&a, 1, 100, [&] { ++dropped; });
  ledger.remove(first);
  ledger.add(&b, 2, 100, [&] { ++dropped; });
  EXPECT_EQ(ledger.pinned_bytes(), 100u);
  EXPECT_EQ(dropped, 0) << "a finished write is not dropped later";
  ledger.remove(first);  // twice: harmless
}
