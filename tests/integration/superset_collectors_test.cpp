// The postgres_exporter superset collectors against the real server: each family's value is the
// one PostgreSQL reports, in postgres_exporter's units and labels, and the guest manners hold (a
// database under ALTER DATABASE is not measured, parameters our own session sets show the
// server's values).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "tests/support/collector_run.h"
#include "tests/support/test_pg.h"

using mexp::test::CollectorRun;
using mexp::test::count_samples;
using mexp::test::find_family;
using mexp::test::sample;
using mexp::test::SqlSession;
using mexp::test::TestDatabase;

namespace {

double number(TestDatabase& db, const std::string& sql) { return std::stod(db.exec(sql)); }

}  // namespace

TEST(SettingsCollector, ConvertsUnitsAndReportsTheServersValuesNotOurSessions) {
  TestDatabase db;
  CollectorRun run("settings", db.name());
  const auto families = run.collect();
  // The test cluster's postgresql.conf sets max_connections = 200 and fsync = off.
  EXPECT_EQ(sample(families, "pg_settings_max_connections", {}), 200);
  EXPECT_EQ(sample(families, "pg_settings_fsync", {}), 0);
  // shared_buffers is counted in 8 kB pages: exported in bytes.
  EXPECT_EQ(sample(families, "pg_settings_shared_buffers_bytes", {}),
            number(db,
                   "SELECT setting::float8 * 8192 FROM pg_settings WHERE name = "
                   "'shared_buffers'"));
  // checkpoint_timeout is in seconds, log_min_duration_statement -1 (disabled) stays -1.
  EXPECT_EQ(sample(families, "pg_settings_checkpoint_timeout_seconds", {}),
            number(db, "SELECT setting FROM pg_settings WHERE name = 'checkpoint_timeout'"));
  EXPECT_EQ(sample(families, "pg_settings_log_min_duration_statement_seconds", {}), -1);
  // The exporter's session runs with statement_timeout, lock_timeout and read-only on; the server's
  // values (what any other session gets) are 0 and off.
  EXPECT_EQ(sample(families, "pg_settings_statement_timeout_seconds", {}), 0);
  EXPECT_EQ(sample(families, "pg_settings_lock_timeout_seconds", {}), 0);
  EXPECT_EQ(sample(families, "pg_settings_default_transaction_read_only", {}), 0);
  EXPECT_EQ(sample(families, "pg_settings_transaction_read_only", {}), 0);
  // Server-wide: no datname, as postgres_exporter (no labels at all).
  const auto* family = find_family(families, "pg_settings_max_connections");
  ASSERT_NE(family, nullptr);
  EXPECT_TRUE(family->metric.at(0).label.empty());
  EXPECT_EQ(family->help, "Server Parameter: max_connections");
}

TEST(StatDatabaseCollector, OneSeriesPerDatabaseWithItsOidAndCounters) {
  TestDatabase db;
  db.exec("CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2), (3)");
  const std::string oid = db.exec("SELECT oid FROM pg_database WHERE datname = current_database()");
  CollectorRun run("stat_database", db.name());
  const auto families = run.collect();
  const mexp::test::LabelMap labels = {{"datname", db.name()}, {"datid", oid}};
  EXPECT_GE(sample(families, "pg_stat_database_tup_inserted", labels).value_or(-1), 0);
  EXPECT_GE(sample(families, "pg_stat_database_xact_commit", labels).value_or(-1), 1);
  EXPECT_TRUE(sample(families, "pg_stat_database_active_time_seconds_total", labels));
  EXPECT_EQ(find_family(families, "pg_stat_database_numbackends")->type,
            prometheus::MetricType::Gauge);
  EXPECT_EQ(find_family(families, "pg_stat_database_xact_commit")->type,
            prometheus::MetricType::Counter);
  // No row for shared objects (datid 0), as today's postgres_exporter.
  EXPECT_EQ(count_samples(families, "pg_stat_database_xact_commit", {{"datid", "0"}}), 0u);
  EXPECT_EQ(count_samples(families, "pg_stat_database_xact_commit", {{"datname", "template1"}}),
            1u);
}

TEST(StatDatabaseConflictsCollector, KeepsPostgresExportersServerLabel) {
  TestDatabase db;
  CollectorRun run("stat_database_conflicts", db.name());
  const auto families = run.collect();
  const std::string server =
      mexp::test::cluster_host() + ":" + std::to_string(mexp::test::cluster_port());
  EXPECT_EQ(sample(families, "pg_stat_database_conflicts_confl_lock",
                   {{"datname", db.name()}, {"server", server}}),
            0);
}

TEST(StatBgwriterCollector, CountsARequestedCheckpoint) {
  TestDatabase db;
  CollectorRun run("stat_bgwriter", db.name());
  const auto before = sample(run.collect(), "pg_stat_bgwriter_checkpoints_req_total", {});
  ASSERT_TRUE(before);
  db.exec("CHECKPOINT");
  // CHECKPOINT returns when the checkpoint is done, but the checkpointer flushes its counters to
  // the statistics a moment later: wait for them (bounded) rather than race it.
  auto families = run.collect();
  for (int attempt = 0; attempt < 50; ++attempt) {
    if (sample(families, "pg_stat_bgwriter_checkpoints_req_total", {}).value_or(0) >= *before + 1) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    families = run.collect();
  }
  EXPECT_GE(sample(families, "pg_stat_bgwriter_checkpoints_req_total", {}).value_or(0),
            *before + 1);
  EXPECT_TRUE(sample(families, "pg_stat_bgwriter_buffers_alloc_total", {}));
  // pg_stat_checkpointer exists from PostgreSQL 17 only: nothing on older servers.
  CollectorRun checkpointer("stat_checkpointer", db.name());
  const auto checkpointer_families = checkpointer.collect();
  if (run.session().server_version() < 170000) {
    EXPECT_TRUE(checkpointer_families.empty());
  }
}

TEST(DatabaseCollector, SizesAndLimitsButNotADatabaseUnderAlterDatabase) {
  TestDatabase db;
  db.exec("ALTER DATABASE " + db.name() + " CONNECTION LIMIT 7");
  SqlSession admin("postgres");
  // Short: identifiers are cut at 63 bytes, and the renamed name must differ.
  const std::string other = "me_rename_" + std::to_string(::getpid());
  admin.exec("CREATE DATABASE " + other);
  CollectorRun run("database", db.name());
  auto families = run.collect();
  EXPECT_EQ(sample(families, "pg_database_connection_limit", {{"datname", db.name()}}), 7);
  EXPECT_EQ(sample(families, "pg_database_connection_limit", {{"datname", "postgres"}}), -1);
  const double size = number(db, "SELECT pg_database_size(current_database())");
  EXPECT_NEAR(sample(families, "pg_database_size_bytes", {{"datname", db.name()}}).value_or(0),
              size, 1 << 20);
  EXPECT_TRUE(sample(families, "pg_database_size_bytes", {{"datname", other}}));
  // Other tests create databases side by side (CREATE DATABASE locks its template), so the count
  // is not 0 on a shared cluster; it must equal the databases listed without a size.
  const auto unsized = [](const auto& collected) {
    return static_cast<double>(count_samples(collected, "pg_database_connection_limit", {}) -
                               count_samples(collected, "pg_database_size_bytes", {}));
  };
  EXPECT_EQ(sample(families, "migration_exporter_database_size_skipped", {}), unsized(families));

  // ALTER DATABASE … RENAME holds ACCESS EXCLUSIVE on the database until its transaction ends.
  admin.exec("BEGIN");
  admin.exec("ALTER DATABASE " + other + " RENAME TO " + other + "_x");
  families = run.collect();
  admin.exec("ROLLBACK");
  admin.exec("DROP DATABASE " + other);
  EXPECT_FALSE(sample(families, "pg_database_size_bytes", {{"datname", other}}));
  EXPECT_EQ(sample(families, "pg_database_connection_limit", {{"datname", other}}), -1);
  EXPECT_GE(sample(families, "migration_exporter_database_size_skipped", {}).value_or(0), 1);
  EXPECT_EQ(sample(families, "migration_exporter_database_size_skipped", {}), unsized(families));
  EXPECT_TRUE(sample(families, "pg_database_size_bytes", {{"datname", db.name()}}));
}

TEST(ReplicationLagCollector, APrimaryIsNotAReplicaAndHasNoLag) {
  TestDatabase db;
  CollectorRun run("replication_lag", db.name());
  const auto families = run.collect();
  EXPECT_EQ(sample(families, "pg_replication_is_replica", {}), 0);
  EXPECT_EQ(sample(families, "pg_replication_lag_seconds", {}), 0);
  EXPECT_EQ(sample(families, "pg_replication_lag", {}), 0);
  EXPECT_EQ(sample(families, "pg_replication_last_replay_seconds", {}), 0);
}

TEST(ReplicationSlotsCollector, AnUnusedPhysicalSlot) {
  TestDatabase db;
  const std::string slot = ("phys_" + db.name()).substr(0, 63);
  db.exec("SELECT pg_create_physical_replication_slot('" + slot + "')");
  CollectorRun run("replication_slots", db.name());
  const auto families = run.collect();
  db.exec("SELECT pg_drop_replication_slot('" + slot + "')");
  const mexp::test::LabelMap labels = {{"slot_name", slot}, {"slot_type", "physical"}};
  EXPECT_EQ(sample(families, "pg_replication_slots_slot_is_active", labels), 0);
  EXPECT_GT(sample(families, "pg_replication_slots_slot_current_wal_lsn", labels).value_or(0), 0);
  // Only while a consumer is connected, as postgres_exporter.
  EXPECT_FALSE(sample(families, "pg_replication_slots_slot_confirmed_flush_lsn", labels));
}

TEST(StatioUserTablesCollector, BufferHitsPerTableWithinTheCap) {
  TestDatabase db;
  db.exec(
      "CREATE TABLE big (id int PRIMARY KEY, pad text); "
      "INSERT INTO big SELECT g, repeat('x', 100) FROM generate_series(1, 5000) g; "
      "CREATE TABLE small (id int); ANALYZE big; ANALYZE small; "
      "SELECT count(*) FROM big");
  db.grant_select("public.big");
  // Block counters reach the shared statistics when the session reports them.
  db.exec("SELECT pg_stat_force_next_flush()");
  db.exec("SELECT 1");
  CollectorRun run("statio_user_tables", db.name(), "max_tables = 1");
  const auto families = run.collect();
  const mexp::test::LabelMap big = {
      {"datname", db.name()}, {"schemaname", "public"}, {"relname", "big"}};
  EXPECT_GT(sample(families, "pg_statio_user_tables_heap_blocks_hit", big).value_or(0) +
                sample(families, "pg_statio_user_tables_heap_blocks_read", big).value_or(0),
            0);
  EXPECT_TRUE(sample(families, "pg_statio_user_tables_idx_blocks_hit", big));
  // small has no TOAST table: 0, as postgres_exporter reports it; and it is beyond the cap.
  EXPECT_EQ(
      count_samples(families, "pg_statio_user_tables_heap_blocks_hit", {{"relname", "small"}}), 0u);
  EXPECT_EQ(
      sample(families, "migration_exporter_statio_user_tables_dropped", {{"datname", db.name()}}),
      1);
}

// The ranking reads every relation of the database, so it is kept for rank_interval: a table that
// grows past the exported one is not exported until then, unless the exported one is dropped.
TEST(StatioUserTablesCollector, KeepsItsRankingForRankIntervalUntilAnExportedTableGoes) {
  TestDatabase db;
  db.exec(
      "CREATE TABLE first_big (id int); CREATE TABLE later_big (id int);"
      "INSERT INTO first_big SELECT g FROM generate_series(1, 2000) g; ANALYZE first_big;"
      "ANALYZE later_big");
  CollectorRun run("statio_user_tables", db.name(), "max_tables = 1\nrank_interval = \"1h\"");
  const auto exported = [&](const std::vector<prometheus::MetricFamily>& families) {
    return count_samples(families, "pg_statio_user_tables_heap_blocks_hit",
                         {{"relname", "later_big"}}) == 1
               ? std::string("later_big")
           : count_samples(families, "pg_statio_user_tables_heap_blocks_hit",
                           {{"relname", "first_big"}}) == 1
               ? std::string("first_big")
               : std::string("none");
  };
  auto families = run.collect();
  EXPECT_EQ(exported(families), "first_big");
  EXPECT_EQ(sample(families, "migration_exporter_statio_user_tables_rankings_total",
                   {{"datname", db.name()}}),
            1);
  db.exec("INSERT INTO later_big SELECT g FROM generate_series(1, 20000) g; ANALYZE later_big");
  EXPECT_EQ(exported(run.collect()), "first_big") << "re-ranked before rank_interval";
  db.exec("DROP TABLE first_big");
  run.collect();  // sees the exported table gone
  EXPECT_EQ(exported(run.collect()), "later_big");
}

TEST(ServerWideCollectors, WalPostmasterRolesAndArchiver) {
  TestDatabase db;
  CollectorRun wal("wal", db.name());
  auto families = wal.collect();
  const double segments = sample(families, "pg_wal_segments", {}).value_or(0);
  EXPECT_GE(segments, 1);
  EXPECT_EQ(
      sample(families, "pg_wal_size_bytes", {}),
      segments *
          number(db, "SELECT setting::float8 FROM pg_settings WHERE name = 'wal_segment_size'"));

  CollectorRun postmaster("postmaster", db.name());
  EXPECT_NEAR(sample(postmaster.collect(), "pg_postmaster_start_time_seconds", {}).value_or(0),
              number(db, "SELECT extract(epoch FROM pg_postmaster_start_time())"), 1e-3);

  CollectorRun roles("roles", db.name(), "max_roles = 1");
  families = roles.collect();
  EXPECT_EQ(count_samples(families, "pg_roles_connection_limit"), 1u);
  EXPECT_EQ(sample(families, "migration_exporter_roles_dropped", {}),
            number(db, "SELECT count(*) - 1 FROM pg_roles"));
  CollectorRun all_roles("roles", db.name());
  EXPECT_EQ(sample(all_roles.collect(), "pg_roles_connection_limit",
                   {{"rolname", mexp::test::kMonitorRole}}),
            -1);

  CollectorRun archiver("stat_archiver", db.name());
  families = archiver.collect();
  EXPECT_EQ(sample(families, "pg_stat_archiver_archived_count", {}), 0);
  EXPECT_FALSE(sample(families, "pg_stat_archiver_last_archive_age", {}));  // never archived
}
