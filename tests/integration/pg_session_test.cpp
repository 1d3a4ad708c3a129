// The session's guest manners, checked against the real server.
#include "core/pg_session.h"

#include <gtest/gtest.h>

#include "tests/support/test_pg.h"

using mexp::test::TestDatabase;

TEST(PgSession, SessionIsReadOnlyWithTimeoutsAndApplicationName) {
  TestDatabase db;
  mexp::SessionSettings settings;
  settings.conninfo = db.monitor_conninfo();
  settings.password = mexp::test::kMonitorPassword;
  settings.statement_timeout = std::chrono::milliseconds(3000);
  settings.lock_timeout = std::chrono::milliseconds(150);
  mexp::PgSession session(settings);
  session.connect();
  EXPECT_EQ(session.datname(), db.name());
  EXPECT_GT(session.backend_pid(), 0);
  EXPECT_GE(session.server_version(), 150000);
  auto result = session.query(
      "SELECT current_setting('default_transaction_read_only'), "
      "current_setting('statement_timeout'), "
      "current_setting('lock_timeout'), current_setting('application_name')");
  EXPECT_EQ(result.text(0, 0), "on");
  EXPECT_EQ(result.text(0, 1), "3s");
  EXPECT_EQ(result.text(0, 2), "150ms");
  EXPECT_EQ(result.text(0, 3), "migration_exporter");
  EXPECT_THROW(session.query("CREATE TABLE t (x int)"), mexp::PgError);
  EXPECT_TRUE(session.connected()) << "a statement error must not drop the connection";
}

TEST(PgSession, StatementTimeoutEndsASlowQuery) {
  TestDatabase db;
  mexp::SessionSettings settings;
  settings.conninfo = db.monitor_conninfo();
  settings.password = mexp::test::kMonitorPassword;
  settings.statement_timeout = std::chrono::milliseconds(200);
  mexp::PgSession session(settings);
  session.connect();
  try {
    session.query("SELECT pg_sleep(5)");
    FAIL() << "expected a timeout";
  } catch (const mexp::PgError& error) {
    EXPECT_EQ(error.sqlstate(), "57014");  // query_canceled
    EXPECT_FALSE(error.connection_lost());
  }
}

TEST(PgSession, BindsParametersAndEscapesIdentifiers) {
  TestDatabase db;
  auto session = mexp::test::monitor_session(db);
  auto result = session->query("SELECT $1::text || '!'", {std::string("it's")});
  EXPECT_EQ(result.text(0, 0), "it's!");
  EXPECT_EQ(session->escape_identifier("we\"ird"), "\"we\"\"ird\"");
}

TEST(PgSession, WrongPasswordIsReportedWithoutThePassword) {
  TestDatabase db;
  // The test cluster trusts local connections; force password checking for this role over TCP is
  // not possible without editing pg_hba, so check the redaction on a DSN that carries a password
  // and points at a port nobody listens on.
  mexp::SessionSettings settings;
  settings.conninfo = "postgresql://someone:Hunter2-secret@127.0.0.1:1/db";
  settings.connect_timeout = std::chrono::milliseconds(2000);
  mexp::PgSession session(settings);
  try {
    session.connect();
    FAIL() << "expected a connection error";
  } catch (const mexp::PgError& error) {
    EXPECT_TRUE(error.connection_lost());
    EXPECT_EQ(std::string(error.what()).find("Hunter2-secret"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("host=127.0.0.1 port=1 dbname=db user=someone"),
              std::string::npos)
        << error.what();
  }
  EXPECT_EQ(session.datname(), "db");
}
