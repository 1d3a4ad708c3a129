// Slot accounting: the cap, the per-client share, the probe-only allowance and the sizing from
// the open files limit.
#include "exporter/connection_slots.h"

#include <gtest/gtest.h>

#include <vector>

namespace {
const auto kClientA = boost::asio::ip::make_address("10.0.0.1");
const auto kClientB = boost::asio::ip::make_address("10.0.0.2");
}  // namespace

TEST(ConnectionSlots, OneClientGetsItsShareThenProbeOnlySlotsThenNothing) {
  mexp::ConnectionSlots slots({.max_connections = 4, .per_client = 2, .probe_only = 1});
  std::vector<mexp::ConnectionSlots::Slot> held;
  for (int i = 0; i < 2; ++i) held.push_back(slots.acquire(kClientA));
  EXPECT_EQ(held[0].kind(), mexp::SlotKind::regular);
  EXPECT_EQ(held[1].kind(), mexp::SlotKind::regular);
  held.push_back(slots.acquire(kClientA));
  EXPECT_EQ(held.back().kind(), mexp::SlotKind::probe_only) << "past its share";
  EXPECT_EQ(slots.acquire(kClientA).kind(), mexp::SlotKind::refused);
  EXPECT_EQ(slots.acquire(kClientB).kind(), mexp::SlotKind::regular)
      << "another client still has room";
  EXPECT_EQ(slots.regular_in_use(), 2u) << "the temporary slot was given back";
  held.clear();
  EXPECT_EQ(slots.regular_in_use(), 0u);
  EXPECT_EQ(slots.probe_only_in_use(), 0u);
}

TEST(ConnectionSlots, TheCapHoldsAcrossClientsAndMappedAddressesAreOneClient) {
  mexp::ConnectionSlots slots({.max_connections = 2, .per_client = 1, .probe_only = 0});
  auto a = slots.acquire(boost::asio::ip::make_address("::ffff:10.0.0.1"));
  EXPECT_EQ(a.kind(), mexp::SlotKind::regular);
  EXPECT_EQ(slots.acquire(kClientA).kind(), mexp::SlotKind::refused)
      << "10.0.0.1 over IPv4 and IPv6 is one client";
  auto b = slots.acquire(kClientB);
  EXPECT_EQ(slots.acquire(boost::asio::ip::make_address("10.0.0.3")).kind(),
            mexp::SlotKind::refused);
  auto moved = std::move(b);
  EXPECT_EQ(slots.regular_in_use(), 2u) << "moving a slot does not release it";
}

TEST(FitToDescriptors, LowersTheCapToWhatTheProcessCanOpen) {
  const mexp::SlotLimits wanted{.max_connections = 512, .per_client = 256, .probe_only = 512};
  const auto small = mexp::fit_to_descriptors(wanted, 128);
  EXPECT_EQ(small.max_connections, 48u);
  EXPECT_EQ(small.probe_only, 16u);
  EXPECT_EQ(small.per_client, 48u);
  EXPECT_LE(small.max_connections + small.probe_only + 64, 128u);
  const auto large = mexp::fit_to_descriptors(wanted, 1 << 20);
  EXPECT_EQ(large.max_connections, 512u) << "never raised";
  EXPECT_EQ(large.probe_only, 512u);
  EXPECT_EQ(large.per_client, 256u);
  EXPECT_GE(mexp::fit_to_descriptors(wanted, 10).max_connections, 1u);
}
