// replication collector against the real server: a logical slot nobody reads (a stalled CDC
// reader) and a physical WAL receiver (pg_receivewal) streaming through a slot.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "tests/support/collector_run.h"
#include "tests/support/test_pg.h"

using mexp::test::CollectorRun;
using mexp::test::count_samples;
using mexp::test::sample;
using mexp::test::SqlSession;
using mexp::test::TestDatabase;

namespace {

// A slot is cluster-wide and retains WAL until dropped: drop it even when the test fails.
class SlotGuard {
 public:
  SlotGuard(TestDatabase& db, std::string name) : db_(db), name_(std::move(name)) {}
  ~SlotGuard() {
    try {
      db_.exec(
          "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
          "WHERE slot_name = '" +
          name_ + "'");
    } catch (const std::exception&) {
    }
  }

 private:
  TestDatabase& db_;
  std::string name_;
};

// Where WAL has been inserted up to. The collector measures from the written position
// (pg_current_wal_lsn(), as postgres_exporter does), which follows within wal_writer_delay when
// commits are asynchronous (the test cluster's synchronous_commit is off): wait for it.
double wal_position(TestDatabase& db) {
  const std::string inserted = db.exec("SELECT pg_current_wal_insert_lsn()");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (db.exec("SELECT pg_current_wal_lsn() >= '" + inserted + "'::pg_lsn") != "t") {
    if (std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return std::stod(db.exec("SELECT pg_wal_lsn_diff('" + inserted + "', '0/0')"));
}

// Waits until WAL is flushed up to `position` (bytes from 0/0), as wal_position waits for the
// written position.
void wait_for_flush(TestDatabase& db, double position) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::stod(db.exec("SELECT pg_wal_lsn_diff(pg_current_wal_flush_lsn(), '0/0')")) <
         position) {
    if (std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace

TEST(ReplicationCollector, StalledLogicalSlotShowsInactiveAndGrowingLag) {
  TestDatabase db;
  const std::string slot = ("cdc_" + db.name()).substr(0, 63);
  db.exec("SELECT pg_create_logical_replication_slot('" + slot + "', 'test_decoding')");
  SlotGuard guard(db, slot);
  CollectorRun run("replication", db.name());

  const mexp::test::LabelMap labels = {
      {"datname", db.name()}, {"slot_name", slot}, {"database", db.name()}};
  auto families = run.collect();
  EXPECT_EQ(sample(families, "pg_replication_slots_active", labels), 0);
  EXPECT_EQ(sample(families, "pg_replication_slots_info",
                   {{"slot_name", slot},
                    {"slot_type", "logical"},
                    {"plugin", "test_decoding"},
                    {"temporary", "0"}}),
            1);
  EXPECT_EQ(sample(families, "pg_replication_slots_wal_status",
                   {{"slot_name", slot}, {"wal_status", "reserved"}}),
            1);
  EXPECT_EQ(sample(families, "pg_replication_slots_wal_status",
                   {{"slot_name", slot}, {"wal_status", "lost"}}),
            0);
  EXPECT_EQ(count_samples(families, "pg_replication_slots_wal_status", {{"slot_name", slot}}), 4u);
  // max_slot_wal_keep_size is -1 on the test cluster: no limit, no safe size.
  EXPECT_FALSE(sample(families, "pg_replication_slots_safe_wal_size_bytes", labels));
  EXPECT_TRUE(sample(families, "pg_replication_slots_xmin_age", labels));
  const double lag_before = sample(families, "pg_replication_slots_lag_bytes", labels).value();
  const double retained_before =
      sample(families, "pg_replication_slots_pg_wal_lsn_diff", labels).value();

  // The application keeps writing; nobody reads the slot.
  const double wal_before = wal_position(db);
  db.exec(
      "CREATE TABLE events (id int, body text);"
      "INSERT INTO events SELECT g, repeat('e', 200) FROM generate_series(1, 5000) g");
  const double wal_after = wal_position(db);
  const double written = wal_after - wal_before;
  ASSERT_GT(written, 1'000'000);
  families = run.collect();
  EXPECT_EQ(sample(families, "pg_replication_slots_active", labels), 0);
  const double lag_after = sample(families, "pg_replication_slots_lag_bytes", labels).value();
  EXPECT_GE(lag_after - lag_before, written);
  EXPECT_GE(
      sample(families, "pg_replication_slots_pg_wal_lsn_diff", labels).value() - retained_before,
      written);

  // The reader catches up: what it confirmed no longer counts as lag.
  // Other tests keep writing WAL meanwhile, so the lag is bracketed by the written position read
  // just before and just after the poll, measured from the position the reader confirmed.
  // A logical reader decodes only flushed WAL, and the cluster commits asynchronously: until the
  // WAL writer has flushed the application's commit, the reader would get none of its rows.
  wait_for_flush(db, wal_after);
  const std::string decoded_inserts =
      db.exec("SELECT count(*) FROM pg_logical_slot_get_changes('" + slot +
              "', NULL, NULL) WHERE data LIKE 'table public.events: INSERT:%'");
  const auto lag_now = [&] {
    return std::stod(
        db.exec("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn) "
                "FROM pg_replication_slots WHERE slot_name = '" +
                slot + "'"));
  };
  const double lower = lag_now();
  families = run.collect();
  const double upper = lag_now();
  const double lag_caught_up = sample(families, "pg_replication_slots_lag_bytes", labels).value();
  EXPECT_GE(lag_caught_up, lower);
  EXPECT_LE(lag_caught_up, upper);
  // The reader got everything the application wrote. (Not "confirmed_flush_lsn >= the WAL
  // position after the writes": other tests' WAL written after the application's commit may not
  // be confirmed yet.)
  EXPECT_EQ(decoded_inserts, "5000");
}

TEST(ReplicationCollector, ReportsAWalReceiverStreamingThroughItsSlot) {
  TestDatabase db;
  const std::string slot = ("rx_" + db.name()).substr(0, 63);
  const std::string application = slot;
  db.exec("SELECT pg_create_physical_replication_slot('" + slot + "', true)");
  SlotGuard guard(db, slot);
  const auto dir = std::filesystem::temp_directory_path() / ("me-receivewal-" + slot);
  std::filesystem::create_directories(dir);

  const std::string bindir = "/usr/lib/postgresql/15/bin/pg_receivewal";
  ASSERT_TRUE(std::filesystem::exists(bindir)) << "pg_receivewal is missing (postgresql-15)";
  const std::string conninfo =
      mexp::test::cluster_conninfo("postgres", "postgres") + " application_name=" + application;
  const pid_t receiver = fork();
  ASSERT_GE(receiver, 0);
  if (receiver == 0) {
    execl(bindir.c_str(), "pg_receivewal", "-d", conninfo.c_str(), "-S", slot.c_str(), "-D",
          dir.c_str(), "--synchronous", "--no-loop", static_cast<char*>(nullptr));
    _exit(127);
  }
  struct Cleanup {
    pid_t pid;
    std::filesystem::path dir;
    ~Cleanup() {
      kill(pid, SIGTERM);
      waitpid(pid, nullptr, 0);
      std::filesystem::remove_all(dir);
    }
  } cleanup{receiver, dir};

  // Streaming, and it has reported a flushed position.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (db.exec("SELECT count(*) FROM pg_stat_replication WHERE application_name = '" +
                 application + "' AND state = 'streaming' AND flush_lsn IS NOT NULL") != "1") {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "pg_receivewal never streamed";
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }

  CollectorRun run("replication", db.name());
  const auto families = run.collect();
  const mexp::test::LabelMap replica = {{"datname", db.name()},
                                        {"application_name", application},
                                        {"client_addr", ""},
                                        {"slot_name", slot},
                                        {"state", "streaming"}};
  const auto current = sample(families, "pg_stat_replication_pg_current_wal_lsn_bytes", replica);
  ASSERT_TRUE(current);
  EXPECT_GE(*current, wal_position(db) - 16 * 1024 * 1024);
  auto with_position = [&](const char* position) {
    auto labels = replica;
    labels["position"] = position;
    return labels;
  };
  const auto sent = sample(families, "pg_stat_replication_lag_bytes", with_position("sent"));
  const auto flush = sample(families, "pg_stat_replication_lag_bytes", with_position("flush"));
  ASSERT_TRUE(sent && flush);
  EXPECT_GE(*sent, 0);
  EXPECT_GE(*flush, *sent);  // nothing is flushed before it was sent
  EXPECT_TRUE(sample(families, "pg_stat_replication_lag_seconds", with_position("flush")));
  // pg_receivewal stores WAL but replays nothing: no replay position, so no replay lag.
  EXPECT_FALSE(sample(families, "pg_stat_replication_lag_bytes", with_position("replay")));
  EXPECT_FALSE(sample(families, "pg_stat_replication_pg_wal_lsn_diff", replica));

  const mexp::test::LabelMap slot_labels = {{"slot_name", slot}, {"database", ""}};
  EXPECT_EQ(sample(families, "pg_replication_slots_active", slot_labels), 1);
  EXPECT_EQ(sample(families, "pg_replication_slots_info",
                   {{"slot_name", slot}, {"slot_type", "physical"}, {"plugin", ""}}),
            1);
}
