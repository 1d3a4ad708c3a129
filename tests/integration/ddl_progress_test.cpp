// ddl_progress against long operations run by real sessions on a table of two million rows: a
// CREATE INDEX run under Flyway's lock (its series name the tool and history table, its ratio
// rises and its estimate is within a factor of 2 of the time it really took), VACUUM FULL and a
// COPY from a file.
#include <gtest/gtest.h>

#include <thread>

#include "tests/support/metrics_text.h"
#include "tests/support/test_pg.h"

using mexp::test::collect;
using mexp::test::SqlSession;
using mexp::test::TestDatabase;

namespace {

using Clock = std::chrono::steady_clock;

struct Observation {
  Clock::time_point at;
  std::string phase;
  double ratio = -1;
  std::optional<double> remaining;
  std::map<std::string, std::string> labels;
};

class DdlProgress : public ::testing::Test {
 protected:
  void SetUp() override {
    // Narrow random rows, no autovacuum: the index build sorts on disk (maintenance_work_mem is
    // 1 MB in the building session) and takes seconds.
    db.exec(
        "CREATE TABLE big (v int) WITH (autovacuum_enabled = off); "
        "INSERT INTO big SELECT (random() * 1e9)::int FROM generate_series(1, 2000000)");
    session = mexp::test::monitor_session(db);
    collector = mexp::test::make_collector("ddl_progress");
  }

  // Polls every 100 ms while `worker` runs `sql`, keeping what the collector says about it (the
  // index build below takes under a second on a fast machine).
  std::vector<Observation> watch(SqlSession& worker, const std::string& sql,
                                 Clock::time_point& finished) {
    const std::string pid = std::to_string(worker.pid());
    SqlSession observer(db.name());
    worker.send(sql);
    std::vector<Observation> seen;
    const auto sent = Clock::now();
    const auto deadline = sent + std::chrono::seconds(120);
    // The worker reads as idle until its backend has received the statement: only an idle state
    // after it was seen busy (or long after sending) means the statement is over.
    bool busy_seen = false;
    while (Clock::now() < deadline) {
      const auto now = Clock::now();
      const auto samples = collect(*collector, *session);
      const auto ratios = samples.all("pg_progress_ratio", {{"pid", pid}});
      if (!ratios.empty()) {
        Observation observation{now, ratios.front().labels.at("phase"), ratios.front().value,
                                samples.get("pg_progress_seconds_remaining", {{"pid", pid}}),
                                ratios.front().labels};
        seen.push_back(std::move(observation));
        // Every family here is a gauge: none may end in _total (promtool reports it).
        if (samples.get("pg_progress_phase_size", {{"pid", pid}})) phase_size_seen = true;
        for (const char* wrong : {"pg_progress_phase_total"})
          EXPECT_TRUE(samples.all(wrong).empty()) << wrong;
      }
      const bool idle =
          observer.exec("SELECT state FROM pg_stat_activity WHERE pid = " + pid) == "idle";
      if (!idle) busy_seen = true;
      if (idle && (busy_seen || Clock::now() - sent > std::chrono::seconds(10))) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    finished = Clock::now();
    worker.finish();
    return seen;
  }

  TestDatabase db;
  std::unique_ptr<mexp::PgSession> session;
  std::unique_ptr<mexp::Collector> collector;
  bool phase_size_seen = false;  // a pg_progress_phase_size sample of the worker, while watched
};

}  // namespace

TEST_F(DdlProgress, CreateIndexUnderAMigrationLockRisesAndEstimatesTheTimeLeft) {
  db.exec(
      "CREATE TABLE flyway_schema_history (installed_rank int NOT NULL, version "
      "varchar(50), script varchar(1000) NOT NULL, success boolean NOT NULL)");
  SqlSession migration(db.name());
  // Flyway's key for "public"."flyway_schema_history" (see migration_progress_test.cpp).
  migration.exec(
      "SET maintenance_work_mem = '1MB'; SET max_parallel_maintenance_workers = 0; "
      "SELECT pg_advisory_lock(77433833903597)");
  const auto started = Clock::now();
  Clock::time_point finished;
  const auto seen = watch(migration, "CREATE INDEX big_v_idx ON big (v)", finished);
  const double took = std::chrono::duration<double>(finished - started).count();
  RecordProperty("create_index_seconds", std::to_string(took));
  ASSERT_GE(seen.size(), 4u) << "the build took " << took << " s";
  EXPECT_TRUE(phase_size_seen);

  EXPECT_EQ(seen.front().labels.at("command"), "CREATE INDEX");
  EXPECT_EQ(seen.front().labels.at("relname"), "big");
  EXPECT_EQ(seen.front().labels.at("tool"), "flyway");
  EXPECT_EQ(seen.front().labels.at("schema"), "public");
  EXPECT_EQ(seen.front().labels.at("table"), "flyway_schema_history");
  for (std::size_t i = 1; i < seen.size(); ++i) {
    EXPECT_GE(seen[i].ratio, seen[i - 1].ratio) << "at " << seen[i].phase;
  }
  EXPECT_GT(seen.back().ratio, seen.front().ratio);

  // The estimate made around the middle of the build, against the time the build really had
  // left then.
  const auto middle = started + (finished - started) / 2;
  const Observation* judged = nullptr;
  for (const auto& observation : seen) {
    if (observation.remaining && (judged == nullptr || std::chrono::abs(observation.at - middle) <
                                                           std::chrono::abs(judged->at - middle)))
      judged = &observation;
  }
  ASSERT_NE(judged, nullptr) << "no estimate was ever given";
  const double actual = std::chrono::duration<double>(finished - judged->at).count();
  RecordProperty("estimate_seconds", std::to_string(*judged->remaining));
  RecordProperty("actual_seconds_left", std::to_string(actual));
  EXPECT_GT(*judged->remaining, actual / 2) << "phase " << judged->phase;
  EXPECT_LT(*judged->remaining, actual * 2) << "phase " << judged->phase;

  // Gone with the operation.
  EXPECT_TRUE(collect(*collector, *session).all("pg_progress_running_seconds").empty());
  migration.exec("SELECT pg_advisory_unlock(77433833903597)");
}

TEST_F(DdlProgress, VacuumFullAndCopyFromAFile) {
  SqlSession worker(db.name());
  Clock::time_point finished;
  const auto vacuum = watch(worker, "VACUUM FULL big", finished);
  ASSERT_FALSE(vacuum.empty());
  EXPECT_EQ(vacuum.front().labels.at("command"), "VACUUM FULL");
  EXPECT_EQ(vacuum.front().labels.at("tool"), "");
  for (const auto& observation : vacuum) {
    EXPECT_GE(observation.ratio, 0);
    EXPECT_LE(observation.ratio, 1);
  }

  // A server-side file has a size, so COPY reports bytes of a total.
  const std::string file = "/tmp/" + db.name() + ".copy";
  db.exec("COPY big TO '" + file + "'; CREATE TABLE big_copy (v int)");
  // The COPY pauses once, at a row halfway through the file, so that a poll sees it running
  // however fast the machine reads the rest (under the sanitizers it once finished unseen).
  const std::string halfway = db.exec("SELECT v FROM big OFFSET 1000000 LIMIT 1");
  db.exec(
      "CREATE FUNCTION pause_halfway() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
      "IF NEW.v = " +
      halfway +
      " THEN PERFORM pg_sleep(1); END IF; RETURN NEW; END $$; "
      "CREATE TRIGGER pause_halfway BEFORE INSERT ON big_copy "
      "FOR EACH ROW EXECUTE FUNCTION pause_halfway()");
  const auto copy = watch(worker, "COPY big_copy FROM '" + file + "'", finished);
  db.exec("COPY (SELECT 1) TO PROGRAM 'rm -f " + file + "'");
  ASSERT_FALSE(copy.empty());
  EXPECT_EQ(copy.front().labels.at("command"), "COPY FROM");
  EXPECT_EQ(copy.front().labels.at("relname"), "big_copy");
  EXPECT_GT(copy.back().ratio, 0);
  EXPECT_LE(copy.back().ratio, 1);
  EXPECT_EQ(db.exec("SELECT count(*) FROM big_copy"), "2000000");
}
