// The migration_progress collector against migrations played with real sessions: each test takes
// the lock the tool takes (keys computed here independently of the collector), runs DDL that
// queues application queries, and checks what the exporter says before, during and after.
#include <gtest/gtest.h>
#include <zlib.h>

#include <thread>

#include "tests/support/lock_scenario.h"
#include "tests/support/metrics_text.h"
#include "tests/support/test_pg.h"

using mexp::test::collect;
using mexp::test::SqlSession;
using mexp::test::TestDatabase;

namespace {

constexpr const char* kFlywayTable =
    "(\"installed_rank\" INT NOT NULL, \"version\" VARCHAR(50), \"description\" VARCHAR(200) NOT "
    "NULL, \"type\" VARCHAR(20) NOT NULL, \"script\" VARCHAR(1000) NOT NULL, \"checksum\" INTEGER, "
    "\"installed_by\" VARCHAR(100) NOT NULL, \"installed_on\" TIMESTAMP NOT NULL DEFAULT now(), "
    "\"execution_time\" INTEGER NOT NULL, \"success\" BOOLEAN NOT NULL)";

// Flyway's key, computed in SQL straight from the reference: 0x466C79776179 plus Java's
// String.hashCode() (h = 31*h + c, wrapping at 32 bits, signed) of "schema"."table".
std::string flyway_key_sql(const std::string& quoted_name) {
  return "WITH RECURSIVE name AS (SELECT '" + quoted_name +
         "'::text AS t), chars AS (SELECT i, ascii(substr(t, i, 1)) AS c FROM name, "
         "generate_series(1, length(t)) AS i), h(i, v) AS (SELECT 0, 0::bigint UNION ALL SELECT "
         "h.i + 1, (h.v * 31 + chars.c) % 4294967296 FROM h JOIN chars ON chars.i = h.i + 1) "
         "SELECT 77431708279161 + CASE WHEN v >= 2147483648 THEN v - 4294967296 ELSE v END FROM h "
         "ORDER BY i DESC LIMIT 1";
}

std::uint32_t crc32_of(const std::string& text) {
  return static_cast<std::uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(text.data()), static_cast<uInt>(text.size())));
}

std::optional<double> live(const mexp::test::Samples& samples, const std::string& family,
                           const std::string& tool, const std::string& schema,
                           const std::string& table) {
  return samples.get(family, {{"tool", tool}, {"schema", schema}, {"table", table}});
}

// Three application sessions that read `table` and will queue behind a migration's DDL.
struct AppReaders {
  AppReaders(const std::string& db, const std::string& table, int count, SqlSession& observer) {
    for (int i = 0; i < count; ++i) {
      sessions.push_back(std::make_unique<SqlSession>(db));
      sessions.back()->send("SELECT count(*) FROM " + table);
      mexp::test::wait_until_waiting_for_lock(observer, sessions.back()->pid());
    }
  }
  void finish() {
    for (auto& session : sessions) session->finish();
  }
  std::vector<std::unique_ptr<SqlSession>> sessions;
};

class MigrationProgress : public ::testing::Test {
 protected:
  void SetUp() override {
    db.exec("CREATE TABLE orders (id int); INSERT INTO orders VALUES (1)");
    session = mexp::test::monitor_session(db);
  }
  mexp::test::Samples poll(const std::string& options = "") {
    if (!collector) collector = mexp::test::make_collector("migration_progress", options);
    return collect(*collector, *session);
  }

  TestDatabase db;
  std::unique_ptr<mexp::PgSession> session;
  std::unique_ptr<mexp::Collector> collector;
};

}  // namespace

TEST_F(MigrationProgress, FlywayTransactionalLockWithDdlBlockingTheApplication) {
  db.exec("CREATE TABLE \"public\".\"flyway_schema_history\" " + std::string(kFlywayTable));
  const auto idle = poll();
  EXPECT_EQ(live(idle, "migration_in_progress", "flyway", "public", "flyway_schema_history"), 0);
  EXPECT_EQ(live(idle, "migration_blocked_sessions", "flyway", "public", "flyway_schema_history"),
            0);

  // Flyway's default: pg_try_advisory_xact_lock with the key the reference gives for
  // "public"."flyway_schema_history", then the migration's DDL in the same transaction.
  SqlSession migration(db.name()), observer(db.name());
  migration.exec("BEGIN");
  ASSERT_EQ(migration.exec("SELECT pg_try_advisory_xact_lock(77433833903597)"), "t");
  migration.exec("ALTER TABLE orders ADD COLUMN note text");
  AppReaders readers(db.name(), "orders", 3, observer);

  const auto running = poll();
  const std::string table = "flyway_schema_history";
  EXPECT_EQ(live(running, "migration_in_progress", "flyway", "public", table), 1);
  EXPECT_EQ(live(running, "migration_blocked_sessions", "flyway", "public", table), 3);
  EXPECT_GT(*live(running, "migration_blocked_max_wait_seconds", "flyway", "public", table), 0);
  EXPECT_EQ(live(running, "migration_waiting_seconds", "flyway", "public", table), 0);
  const double first = *live(running, "migration_in_progress_seconds", "flyway", "public", table);
  EXPECT_GT(first, 0);

  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  const auto later = poll();
  EXPECT_GE(*live(later, "migration_in_progress_seconds", "flyway", "public", table), first + 1.0);
  EXPECT_EQ(live(later, "migration_blocked_sessions", "flyway", "public", table), 3);

  migration.exec("COMMIT");
  readers.finish();
  const auto done = poll();
  EXPECT_EQ(live(done, "migration_in_progress", "flyway", "public", table), 0);
  EXPECT_EQ(live(done, "migration_in_progress_seconds", "flyway", "public", table), 0);
  EXPECT_EQ(live(done, "migration_blocked_sessions", "flyway", "public", table), 0);
  EXPECT_EQ(live(done, "migration_blocked_max_wait_seconds", "flyway", "public", table), 0);
  EXPECT_TRUE(done.all("migration_lock_stale", {}).empty()) << "advisory locks cannot be stale";
}

TEST_F(MigrationProgress, FlywaySessionLockInAQuotedMixedCaseSchema) {
  db.exec("CREATE SCHEMA \"Billing\"; CREATE TABLE \"Billing\".flyway_schema_history " +
          std::string(kFlywayTable) + "; CREATE TABLE \"Billing\".invoices (id int)");
  SqlSession migration(db.name()), observer(db.name());
  const std::string key = observer.exec(flyway_key_sql("\"Billing\".\"flyway_schema_history\""));
  // flyway.postgresql.transactional.lock=false: a session-level lock, taken outside the
  // migration's transaction and released with pg_advisory_unlock after it.
  ASSERT_EQ(migration.exec("SELECT pg_try_advisory_lock(" + key + ")"), "t");
  const std::string table = "flyway_schema_history";
  const auto locked = poll();
  EXPECT_EQ(live(locked, "migration_in_progress", "flyway", "Billing", table), 1);

  migration.exec("BEGIN; ALTER TABLE \"Billing\".invoices ADD COLUMN due date");
  AppReaders readers(db.name(), "\"Billing\".invoices", 2, observer);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  const auto running = poll();
  EXPECT_EQ(live(running, "migration_in_progress", "flyway", "Billing", table), 1);
  EXPECT_EQ(live(running, "migration_blocked_sessions", "flyway", "Billing", table), 2);
  EXPECT_GE(*live(running, "migration_in_progress_seconds", "flyway", "Billing", table), 1.0)
      << "seconds count from when the session lock was first seen, not from the DDL";

  migration.exec("COMMIT");
  readers.finish();
  const auto between = poll();
  EXPECT_EQ(live(between, "migration_in_progress", "flyway", "Billing", table), 1)
      << "the session lock outlives the migration's transaction";
  EXPECT_EQ(live(between, "migration_blocked_sessions", "flyway", "Billing", table), 0);

  ASSERT_EQ(migration.exec("SELECT pg_advisory_unlock(" + key + ")"), "t");
  const auto done = poll();
  EXPECT_EQ(live(done, "migration_in_progress", "flyway", "Billing", table), 0);
  EXPECT_EQ(live(done, "migration_in_progress_seconds", "flyway", "Billing", table), 0);
}

TEST_F(MigrationProgress, MigrationQueuedBehindALongTransactionWithReadersQueuedBehindIt) {
  db.exec("CREATE TABLE \"public\".\"flyway_schema_history\" " + std::string(kFlywayTable));
  SqlSession report(db.name()), migration(db.name()), observer(db.name());
  report.exec("BEGIN; SELECT count(*) FROM orders");  // a long report holds ACCESS SHARE
  migration.exec("BEGIN");
  ASSERT_EQ(migration.exec("SELECT pg_try_advisory_xact_lock(77433833903597)"), "t");
  migration.send("ALTER TABLE orders ADD COLUMN note text");
  mexp::test::wait_until_waiting_for_lock(observer, migration.pid());
  AppReaders readers(db.name(), "orders", 2, observer);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));

  const auto families = poll();
  const std::string table = "flyway_schema_history";
  EXPECT_EQ(live(families, "migration_in_progress", "flyway", "public", table), 1);
  EXPECT_GE(*live(families, "migration_waiting_seconds", "flyway", "public", table), 1.0)
      << "the migration itself waits for the report's transaction";
  EXPECT_EQ(live(families, "migration_blocked_sessions", "flyway", "public", table), 2)
      << "the readers queue behind the migration; the report it waits for is not counted";

  report.exec("COMMIT");
  migration.finish();
  migration.exec("COMMIT");
  readers.finish();
  const auto done = poll();
  EXPECT_EQ(live(done, "migration_in_progress", "flyway", "public", table), 0);
  EXPECT_EQ(live(done, "migration_waiting_seconds", "flyway", "public", table), 0);
}

TEST_F(MigrationProgress, PrismaFixedKeyRunBlockingTheAppAndASecondDeploy) {
  db.exec(
      "CREATE TABLE _prisma_migrations (id VARCHAR(36) PRIMARY KEY NOT NULL, checksum VARCHAR(64) "
      "NOT NULL, finished_at TIMESTAMPTZ, migration_name VARCHAR(255) NOT NULL, logs TEXT, "
      "rolled_back_at TIMESTAMPTZ, started_at TIMESTAMPTZ NOT NULL DEFAULT now(), "
      "applied_steps_count INTEGER NOT NULL DEFAULT 0)");
  const std::string table = "_prisma_migrations";
  EXPECT_EQ(live(poll(), "migration_in_progress", "prisma", "public", table), 0);

  // Prisma holds a session-level lock for the whole deploy and runs each migration in it.
  SqlSession first(db.name()), second(db.name()), observer(db.name());
  first.exec("SELECT pg_advisory_lock(72707369)");
  first.exec("BEGIN; ALTER TABLE orders ADD COLUMN note text");
  AppReaders readers(db.name(), "orders", 2, observer);
  second.send("SELECT pg_advisory_lock(72707369)");  // a second deploy waits for the first
  mexp::test::wait_until_waiting_for_lock(observer, second.pid());
  const auto running = poll();
  EXPECT_EQ(live(running, "migration_in_progress", "prisma", "public", table), 1);
  EXPECT_EQ(live(running, "migration_blocked_sessions", "prisma", "public", table), 3);
  const double first_seconds =
      *live(running, "migration_in_progress_seconds", "prisma", "public", table);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_GE(*live(poll(), "migration_in_progress_seconds", "prisma", "public", table),
            first_seconds + 1.0);

  first.exec("COMMIT");
  readers.finish();
  first.exec("SELECT pg_advisory_unlock(72707369)");
  second.finish();  // now the second deploy holds it, and nobody waits
  const auto handed_over = poll();
  EXPECT_EQ(live(handed_over, "migration_in_progress", "prisma", "public", table), 1);
  EXPECT_EQ(live(handed_over, "migration_blocked_sessions", "prisma", "public", table), 0);
  second.exec("SELECT pg_advisory_unlock(72707369)");
  const auto done = poll();
  EXPECT_EQ(live(done, "migration_in_progress", "prisma", "public", table), 0);
  EXPECT_EQ(live(done, "migration_in_progress_seconds", "prisma", "public", table), 0);
  EXPECT_EQ(live(done, "migration_blocked_sessions", "prisma", "public", table), 0);
}

TEST_F(MigrationProgress, AFixedKeyToolWithoutHistoryTableShowsOnlyWhileItRuns) {
  EXPECT_TRUE(poll().all("migration_in_progress", {{"tool", "node-pg-migrate"}}).empty());
  SqlSession migration(db.name());
  ASSERT_EQ(migration.exec("SELECT pg_try_advisory_lock(7241865325823964)"), "t");
  EXPECT_EQ(live(poll(), "migration_in_progress", "node-pg-migrate", "", ""), 1)
      << "the first run takes the lock before it creates pgmigrations";
  migration.exec("SELECT pg_advisory_unlock(7241865325823964)");
  EXPECT_TRUE(poll().all("migration_in_progress", {{"tool", "node-pg-migrate"}}).empty());
}

TEST_F(MigrationProgress, KeysDerivedFromTheDatabaseNameAndTheTable) {
  db.exec(
      "CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT "
      "NULL); CREATE SCHEMA rails; CREATE TABLE rails.schema_migrations (version character "
      "varying NOT NULL PRIMARY KEY); CREATE TABLE tb_confiture (id UUID PRIMARY KEY DEFAULT "
      "gen_random_uuid(), slug TEXT NOT NULL UNIQUE, version VARCHAR(255) NOT NULL UNIQUE, name "
      "VARCHAR(255) NOT NULL)");
  const auto idle = poll();
  EXPECT_EQ(live(idle, "migration_in_progress", "golang-migrate", "public", "schema_migrations"),
            0);
  EXPECT_EQ(live(idle, "migration_in_progress", "rails", "rails", "schema_migrations"), 0);
  EXPECT_EQ(live(idle, "migration_in_progress", "confiture", "public", "tb_confiture"), 0);

  // golang-migrate's CLI names the database by its URL path, "/<name>".
  const auto golang_key = static_cast<std::uint32_t>(
      crc32_of(std::string("public") + '\0' + "schema_migrations" + '\0' + "/" + db.name()) *
      1486364155u);
  const std::int64_t rails_key = 2053462845LL * crc32_of(db.name());
  SqlSession golang(db.name()), rails(db.name()), confiture(db.name());
  golang.exec("SELECT pg_advisory_lock(" + std::to_string(golang_key) + ")");
  rails.exec("SELECT pg_try_advisory_lock(" + std::to_string(rails_key) + ")");
  confiture.exec(
      "SELECT pg_advisory_lock(1751936052, ('x' || substr(encode(sha256(convert_to("
      "current_database(), 'UTF8')), 'hex'), 1, 8))::bit(32)::int & 2147483647)");
  const auto running = poll();
  EXPECT_EQ(live(running, "migration_in_progress", "golang-migrate", "public", "schema_migrations"),
            1);
  EXPECT_EQ(live(running, "migration_in_progress", "rails", "rails", "schema_migrations"), 1);
  EXPECT_EQ(live(running, "migration_in_progress", "confiture", "public", "tb_confiture"), 1);
  EXPECT_EQ(running.all("migration_in_progress", {}).size(), 3u);

  golang.exec("SELECT pg_advisory_unlock_all()");
  rails.exec("SELECT pg_advisory_unlock_all()");
  confiture.exec("SELECT pg_advisory_unlock_all()");
  double total = 0;
  for (const auto& metric : poll().all("migration_in_progress", {})) total += metric.value;
  EXPECT_EQ(total, 0);
}

TEST_F(MigrationProgress, EfCoreLocksItsHistoryTableForTheRun) {
  db.exec(
      "CREATE TABLE \"__EFMigrationsHistory\" (\"MigrationId\" character varying(150) NOT NULL, "
      "\"ProductVersion\" character varying(32) NOT NULL, CONSTRAINT \"PK___EFMigrationsHistory\" "
      "PRIMARY KEY (\"MigrationId\"))");
  SqlSession migration(db.name());
  migration.exec("BEGIN; LOCK TABLE \"__EFMigrationsHistory\" IN ACCESS EXCLUSIVE MODE");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto running = poll();
  EXPECT_EQ(live(running, "migration_in_progress", "efcore", "public", "__EFMigrationsHistory"), 1);
  EXPECT_GE(
      *live(running, "migration_in_progress_seconds", "efcore", "public", "__EFMigrationsHistory"),
      0.3);
  migration.exec("COMMIT");
  EXPECT_EQ(live(poll(), "migration_in_progress", "efcore", "public", "__EFMigrationsHistory"), 0);
}

// Between catalog changes the probe reads pg_locks only (the tools' tables are kept from the last
// catalog read), and still sees every lock come and go; a new history table is found at the next
// probe after it is created.
TEST_F(MigrationProgress, ProbesBetweenCatalogChangesReadLocksOnlyAndMissNoLock) {
  const auto catalog_reads = [](const mexp::test::Samples& samples) {
    return samples.get("migration_exporter_migration_progress_catalog_reads_total", {})
        .value_or(-1);
  };
  db.exec(
      "CREATE TABLE \"__EFMigrationsHistory\" (\"MigrationId\" character varying(150) NOT NULL, "
      "\"ProductVersion\" character varying(32) NOT NULL)");
  db.exec("SELECT pg_stat_force_next_flush()");
  const std::string ef = "__EFMigrationsHistory", flyway = "flyway_schema_history";
  auto samples = poll();
  EXPECT_EQ(catalog_reads(samples), 1);
  EXPECT_EQ(live(samples, "migration_in_progress", "efcore", "public", ef), 0);

  SqlSession migration(db.name());
  migration.exec("BEGIN; LOCK TABLE \"__EFMigrationsHistory\" IN ACCESS EXCLUSIVE MODE");
  samples = poll();
  EXPECT_EQ(catalog_reads(samples), 1) << "no catalog change: pg_locks only";
  EXPECT_EQ(live(samples, "migration_in_progress", "efcore", "public", ef), 1);
  migration.exec("COMMIT");
  samples = poll();
  EXPECT_EQ(live(samples, "migration_in_progress", "efcore", "public", ef), 0);

  db.exec("CREATE TABLE public.flyway_schema_history " + std::string(kFlywayTable));
  db.exec("SELECT pg_stat_force_next_flush()");
  samples = poll();
  EXPECT_EQ(catalog_reads(samples), 2) << "a new table: the catalogs are read again";
  EXPECT_EQ(live(samples, "migration_in_progress", "flyway", "public", flyway), 0);

  migration.exec("SELECT pg_advisory_lock(77433833903597)");
  samples = poll();
  EXPECT_EQ(catalog_reads(samples), 2);
  EXPECT_EQ(live(samples, "migration_in_progress", "flyway", "public", flyway), 1);
  migration.exec("SELECT pg_advisory_unlock(77433833903597)");
  samples = poll();
  EXPECT_EQ(live(samples, "migration_in_progress", "flyway", "public", flyway), 0);
  EXPECT_EQ(catalog_reads(samples), 2);
}

class LiquibaseLock : public MigrationProgress {
 protected:
  void SetUp() override {
    MigrationProgress::SetUp();
    db.exec(
        "CREATE TABLE databasechangeloglock (ID INTEGER NOT NULL, LOCKED BOOLEAN NOT NULL, "
        "LOCKGRANTED TIMESTAMP WITHOUT TIME ZONE, LOCKEDBY VARCHAR(255), CONSTRAINT "
        "databasechangeloglock_pkey PRIMARY KEY (ID)); INSERT INTO databasechangeloglock (ID, "
        "LOCKED) VALUES (1, FALSE)");
    db.grant_select("databasechangeloglock");
  }
};

TEST_F(LiquibaseLock, LockLeftByADeadProcessIsStaleNotRunning) {
  const auto unlocked = poll();
  EXPECT_EQ(live(unlocked, "migration_in_progress", "liquibase", "public", "databasechangelog"), 0);
  EXPECT_EQ(live(unlocked, "migration_lock_stale", "liquibase", "public", "databasechangelog"), 0);
  // A deploy from 10.255.0.7 took the lock two hours ago and was killed: nobody is connected
  // from there any more.
  db.exec(
      "UPDATE databasechangeloglock SET locked = TRUE, lockgranted = now() - interval '2 hours', "
      "lockedby = 'deploy-7f9c (10.255.0.7)' WHERE id = 1");
  const auto stale = poll();
  EXPECT_EQ(live(stale, "migration_lock_stale", "liquibase", "public", "databasechangelog"), 1);
  EXPECT_EQ(live(stale, "migration_in_progress", "liquibase", "public", "databasechangelog"), 0);
  EXPECT_EQ(
      live(stale, "migration_in_progress_seconds", "liquibase", "public", "databasechangelog"), 0);
}

TEST_F(LiquibaseLock, LiveHolderRunsForHoursAndTurnsStaleWhenItDies) {
  SqlSession observer(db.name());
  auto liquibase = std::make_unique<mexp::test::TcpSession>(db.name());
  // Liquibase commits its lock, then runs each changeset in its own transaction.
  liquibase->exec(
      "UPDATE databasechangeloglock SET locked = TRUE, lockgranted = now() - interval '1 hour', "
      "lockedby = 'build-host (127.0.0.1)' WHERE id = 1 AND locked = FALSE");
  liquibase->exec("BEGIN; ALTER TABLE orders ADD COLUMN note text");
  AppReaders readers(db.name(), "orders", 2, observer);
  const auto running = poll();
  const std::string table = "databasechangelog";
  EXPECT_EQ(live(running, "migration_in_progress", "liquibase", "public", table), 1);
  EXPECT_EQ(live(running, "migration_lock_stale", "liquibase", "public", table), 0)
      << "older than stale_lock_after, but its holder is connected";
  EXPECT_NEAR(*live(running, "migration_in_progress_seconds", "liquibase", "public", table), 3600,
              60);
  EXPECT_EQ(live(running, "migration_blocked_sessions", "liquibase", "public", table), 2);

  const int liquibase_pid = liquibase->pid();
  liquibase.reset();  // the process dies mid-run: its transaction rolls back, the lock row stays
  readers.finish();
  // A backend releases its locks before it leaves pg_stat_activity: wait until it is gone.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (observer.exec("SELECT count(*) FROM pg_stat_activity WHERE pid = " +
                       std::to_string(liquibase_pid)) != "0") {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "backend never exited";
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const auto dead = poll();
  EXPECT_EQ(live(dead, "migration_in_progress", "liquibase", "public", table), 0);
  EXPECT_EQ(live(dead, "migration_lock_stale", "liquibase", "public", table), 1);
  EXPECT_EQ(live(dead, "migration_blocked_sessions", "liquibase", "public", table), 0);
}

TEST_F(LiquibaseLock, AFreshLockWithoutAVisibleHolderCountsAsRunning) {
  // Behind a connection pooler the lock's address is not the session's: a young lock is given the
  // benefit of the doubt until stale_lock_after.
  db.exec(
      "UPDATE databasechangeloglock SET locked = TRUE, lockgranted = now(), lockedby = "
      "'pod-abc (10.1.2.3)' WHERE id = 1");
  const auto families = poll();
  EXPECT_EQ(live(families, "migration_in_progress", "liquibase", "public", "databasechangelog"), 1);
  EXPECT_EQ(live(families, "migration_lock_stale", "liquibase", "public", "databasechangelog"), 0);
}

class KnexLock : public MigrationProgress {
 protected:
  void SetUp() override {
    MigrationProgress::SetUp();
    db.exec(
        "CREATE TABLE knex_migrations (id serial PRIMARY KEY, name varchar(255), batch integer, "
        "migration_time timestamptz); CREATE TABLE knex_migrations_lock (index serial PRIMARY KEY, "
        "is_locked integer); INSERT INTO knex_migrations_lock (is_locked) VALUES (0)");
    db.grant_select("knex_migrations_lock");
  }
};

TEST_F(KnexLock, TransactionalRunIsFoundThroughTheTransactionUpdatingTheLockRow) {
  SqlSession knex(db.name()), observer(db.name());
  // Knex's default: the lock update is part of the migration transaction, so other sessions still
  // read is_locked = 0; the row's xmax names the migrating transaction.
  knex.exec(
      "BEGIN; UPDATE knex_migrations_lock SET is_locked = 1 WHERE is_locked = 0; ALTER TABLE "
      "orders "
      "ADD COLUMN note text");
  AppReaders readers(db.name(), "orders", 2, observer);
  const auto running = poll();
  EXPECT_EQ(live(running, "migration_in_progress", "knex", "public", "knex_migrations"), 1);
  EXPECT_EQ(live(running, "migration_blocked_sessions", "knex", "public", "knex_migrations"), 2);
  EXPECT_EQ(live(running, "migration_lock_stale", "knex", "public", "knex_migrations"), 0);
  const double first_seconds =
      *live(running, "migration_in_progress_seconds", "knex", "public", "knex_migrations");
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_GE(*live(poll(), "migration_in_progress_seconds", "knex", "public", "knex_migrations"),
            first_seconds + 1.0)
      << "counted from the migration transaction's start";

  knex.exec("UPDATE knex_migrations_lock SET is_locked = 0; COMMIT");
  readers.finish();
  const auto done = poll();
  EXPECT_EQ(live(done, "migration_in_progress", "knex", "public", "knex_migrations"), 0);
  EXPECT_EQ(live(done, "migration_lock_stale", "knex", "public", "knex_migrations"), 0);
  EXPECT_EQ(live(done, "migration_blocked_sessions", "knex", "public", "knex_migrations"), 0);
}

TEST_F(KnexLock, CommittedLockWithNoHolderTurnsStaleAfterTheThreshold) {
  // A crashed non-transactional run left is_locked = 1. Knex records no time: the exporter counts
  // from when it first saw the lock.
  db.exec("UPDATE knex_migrations_lock SET is_locked = 1");
  const auto first = poll("stale_lock_after = \"1s\"");
  EXPECT_EQ(live(first, "migration_lock_stale", "knex", "public", "knex_migrations"), 0);
  EXPECT_EQ(live(first, "migration_in_progress", "knex", "public", "knex_migrations"), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  const auto later = poll();
  EXPECT_EQ(live(later, "migration_lock_stale", "knex", "public", "knex_migrations"), 1);
  EXPECT_EQ(live(later, "migration_in_progress", "knex", "public", "knex_migrations"), 0);
  db.exec("UPDATE knex_migrations_lock SET is_locked = 0");  // knex migrate:unlock
  const auto released = poll();
  EXPECT_EQ(live(released, "migration_lock_stale", "knex", "public", "knex_migrations"), 0);
}

TEST_F(KnexLock, LockTableTheMonitorCannotReadIsLeftOutNotAFailure) {
  db.exec("REVOKE SELECT ON knex_migrations_lock FROM " + std::string(mexp::test::kMonitorRole));
  const auto families = poll();
  EXPECT_TRUE(families.all("migration_in_progress", {{"tool", "knex"}}).empty());
}

TEST_F(MigrationProgress, ConfiguredFlywayTableIsWatchedBeforeItExists) {
  SqlSession migration(db.name()), observer(db.name());
  const std::string key = observer.exec(flyway_key_sql("\"app\".\"schema_history\""));
  ASSERT_EQ(migration.exec("SELECT pg_try_advisory_lock(" + key + ")"), "t");
  const auto families =
      poll("tables = [{ tool = \"flyway\", schema = \"app\", table = \"schema_history\" }]");
  EXPECT_EQ(live(families, "migration_in_progress", "flyway", "app", "schema_history"), 1);
  migration.exec("SELECT pg_advisory_unlock_all()");
}

TEST(MigrationProgressOptions, RejectsToolsWithoutATableSpecificLock) {
  const std::string message = mexp::test::collector_option_errors(
      "migration_progress", "tables = [{ tool = \"prisma\", schema = \"a\", table = \"b\" }]");
  EXPECT_NE(message.find("collectors.migration_progress.tables[0].tool"), std::string::npos)
      << message;
  EXPECT_NE(message.find("'prisma' has no table-specific lock"), std::string::npos) << message;
  EXPECT_EQ(mexp::test::collector_option_errors(
                "migration_progress",
                "tables = [{ tool = \"knex\", schema = \"a\", table = \"b_lock\" }]\n"
                "stale_lock_after = \"2m\"\nread_lock_tables = false"),
            "");
}
