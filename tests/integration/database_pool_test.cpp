// The discovered databases' session pool against a real server: never more than its capacity of
// sessions open (the least recently used one is closed first), sessions reused while they fit, and
// a database that refuses us holding no slot.
#include "exporter/database_pool.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/support/test_pg.h"

using namespace mexp::test;

namespace {

// Our sessions per database, as the server counts them, once it agrees with `expected` or after
// 3 s (a closed session's backend leaves pg_stat_activity a moment after the socket closes).
int sessions_to(SqlSession& admin, const std::string& dbname, int expected) {
  int seen = -1;
  for (int attempt = 0; attempt < 150 && seen != expected; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    seen = std::stoi(admin.exec("SELECT count(*) FROM pg_stat_activity WHERE datname = '" + dbname +
                                "' AND application_name = 'migration_exporter_pool_test'"));
  }
  return seen;
}

mexp::SessionSettings settings() {
  mexp::SessionSettings base;
  base.conninfo = cluster_conninfo("postgres");
  base.application_name = "migration_exporter_pool_test";
  return base;
}

TEST(DatabaseSessionPool, KeepsAtMostCapacityOpenAndClosesTheLeastRecentlyUsed) {
  TestDatabase a, b, c;
  SqlSession admin("postgres");
  mexp::DatabaseSessionPool pool(settings(), 2, nullptr);

  EXPECT_EQ(pool.acquire(a.name()).datname(), a.name());
  pool.acquire(b.name());
  pool.acquire(a.name());  // a is now the most recently used: b goes first
  EXPECT_EQ(pool.connects_total(), 2);
  pool.acquire(c.name());
  EXPECT_EQ(pool.open(), 2U);
  EXPECT_EQ(pool.connects_total(), 3);
  EXPECT_EQ(sessions_to(admin, a.name(), 1), 1);
  EXPECT_EQ(sessions_to(admin, b.name(), 0), 0) << "the least recently used session was not closed";
  EXPECT_EQ(sessions_to(admin, c.name(), 1), 1);

  pool.acquire(a.name());  // still open: no new connection
  EXPECT_EQ(pool.connects_total(), 3);
  pool.forget(a.name());
  EXPECT_EQ(pool.open(), 1U);
  EXPECT_EQ(sessions_to(admin, a.name(), 0), 0);
}

TEST(DatabaseSessionPool, ADatabaseThatRefusesUsHoldsNoSlot) {
  TestDatabase a, refusing;
  SqlSession admin("postgres");
  admin.exec("ALTER DATABASE " + refusing.name() + " ALLOW_CONNECTIONS false");
  mexp::DatabaseSessionPool pool(settings(), 1, nullptr);
  pool.acquire(a.name());
  EXPECT_THROW(pool.acquire(refusing.name()), mexp::PgError);
  EXPECT_EQ(pool.open(), 0U) << "the evicted session is gone and the failed one holds nothing";
  EXPECT_EQ(pool.acquire(a.name()).datname(), a.name());
  admin.exec("ALTER DATABASE " + refusing.name() + " ALLOW_CONNECTIONS true");
}

}  // namespace
