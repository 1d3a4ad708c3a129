// Chain depth and "who waits on these" over pg_blocking_pids graphs.
#include "collectors/blocking_graph.h"

#include <gtest/gtest.h>

TEST(BlockingGraph, ReadersQueuedBehindAWaitingMigrationAreTwoWaitsDeep) {
  mexp::BlockingGraph graph;
  graph.add_waiter(20, {10});  // migration waits for an open transaction
  graph.add_waiter(31, {20});  // readers wait for the migration
  graph.add_waiter(32, {20});
  EXPECT_EQ(graph.chain_depth(10), 0);  // not waiting
  EXPECT_EQ(graph.chain_depth(20), 1);
  EXPECT_EQ(graph.chain_depth(31), 2);
  EXPECT_EQ(graph.waiting_on({20}), (std::set<int>{31, 32}));
  EXPECT_EQ(graph.waiting_on({10}), (std::set<int>{20, 31, 32}));
  EXPECT_TRUE(graph.waiting_on({31}).empty());
}

TEST(BlockingGraph, DepthIsTheLongestOfSeveralPaths) {
  mexp::BlockingGraph graph;
  graph.add_waiter(4, {1, 3});
  graph.add_waiter(3, {2});
  graph.add_waiter(2, {1});
  EXPECT_EQ(graph.chain_depth(4), 3);
}

TEST(BlockingGraph, ADeadlockCycleStaysFinite) {
  mexp::BlockingGraph graph;
  graph.add_waiter(1, {2});
  graph.add_waiter(2, {1});
  graph.add_waiter(3, {1});
  EXPECT_EQ(graph.chain_depth(1), 2);
  EXPECT_EQ(graph.chain_depth(3), 3);
  EXPECT_EQ(graph.waiting_on({1}), (std::set<int>{2, 3}));
}

TEST(BlockingGraph, NoBlockersMeansNotBlockedAndSelfIsIgnored) {
  mexp::BlockingGraph graph;
  graph.add_waiter(5, {});
  graph.add_waiter(6, {6});
  EXPECT_FALSE(graph.is_blocked(5));
  EXPECT_FALSE(graph.is_blocked(6));
  EXPECT_EQ(mexp::parse_pid_list("12,0,345"), (std::vector<int>{12, 0, 345}));
  EXPECT_TRUE(mexp::parse_pid_list("").empty());
}
