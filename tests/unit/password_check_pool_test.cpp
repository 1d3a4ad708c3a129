// The bcrypt pool runs checks off the caller's thread and refuses past its bound.
#include "exporter/password_check_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

TEST(PasswordCheckPool, RunsChecksElsewhereAndRefusesPastTheBound) {
  mexp::PasswordCheckPool pool(1, 2);
  std::promise<void> release;
  auto gate = release.get_future().share();
  std::atomic<int> ran{0};
  std::promise<std::thread::id> where;
  ASSERT_TRUE(pool.submit([&, gate] {
    where.set_value(std::this_thread::get_id());
    gate.wait();
    ++ran;
  }));
  ASSERT_TRUE(pool.submit([&] { ++ran; }));
  EXPECT_FALSE(pool.submit([&] { ++ran; })) << "two in flight: the third is refused";
  EXPECT_EQ(pool.refused(), 1u);
  EXPECT_NE(where.get_future().get(), std::this_thread::get_id());
  release.set_value();
  for (int i = 0; i < 200 && ran.load() < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(ran.load(), 2);
  bool accepted = false;
  for (int i = 0; i < 200 && !accepted; ++i) {
    accepted = pool.submit([] {});
    if (!accepted) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_TRUE(accepted) << "room again once the checks finished";
}
