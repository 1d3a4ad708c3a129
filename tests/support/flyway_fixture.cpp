// Flyway history fixtures built from the DDL Flyway itself issues on PostgreSQL.
#include "tests/support/flyway_fixture.h"

namespace mexp::test {
namespace {
std::string quote(const std::string& identifier) {
  std::string quoted = "\"";
  for (char c : identifier) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}
std::string literal(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') quoted += '\'';
    quoted += c;
  }
  return quoted + "'";
}
}  // namespace

void create_flyway_table(TestDatabase& db, const std::string& schema, const std::string& table,
                         bool grant) {
  const std::string qualified = quote(schema) + "." + quote(table);
  db.exec("CREATE SCHEMA IF NOT EXISTS " + quote(schema));
  db.exec(
      "CREATE TABLE " + qualified +
      " (\"installed_rank\" INT NOT NULL, \"version\" VARCHAR(50), \"description\" VARCHAR(200) "
      "NOT NULL, "
      "\"type\" VARCHAR(20) NOT NULL, \"script\" VARCHAR(1000) NOT NULL, \"checksum\" INTEGER, "
      "\"installed_by\" VARCHAR(100) NOT NULL, \"installed_on\" TIMESTAMP NOT NULL DEFAULT now(), "
      "\"execution_time\" INTEGER NOT NULL, \"success\" BOOLEAN NOT NULL)");
  db.exec("ALTER TABLE " + qualified + " ADD CONSTRAINT " + quote(table + "_pk") +
          " PRIMARY KEY (\"installed_rank\")");
  db.exec("CREATE INDEX " + quote(table + "_s_idx") + " ON " + qualified + " (\"success\")");
  if (grant) db.grant_select(qualified);
}

void insert_flyway_row(TestDatabase& db, const std::string& qualified_table, int rank,
                       const std::string& version, const std::string& description,
                       const std::string& type, const std::string& script,
                       const std::string& installed_on, int execution_ms, bool success,
                       const std::string& installed_by) {
  db.exec(
      "INSERT INTO " + qualified_table +
      " (installed_rank, version, description, type, script, checksum, installed_by, installed_on, "
      "execution_time, success) VALUES (" +
      std::to_string(rank) + ", " + (version.empty() ? "NULL" : literal(version)) + ", " +
      literal(description) + ", " + literal(type) + ", " + literal(script) + ", 12345, " +
      literal(installed_by) + ", " + literal(installed_on) + ", " + std::to_string(execution_ms) +
      ", " + (success ? "true" : "false") + ")");
}

void create_slow_flyway_view(TestDatabase& db, const std::string& schema, double seconds) {
  create_flyway_table(db, schema, "history_data");
  insert_flyway_row(db, quote(schema) + ".history_data", 1, "1", "init", "SQL", "V1.sql",
                    "2026-01-01 00:00:00", 10, true);
  db.exec("CREATE VIEW " + quote(schema) + ".flyway_schema_history AS SELECT h.* FROM " +
          quote(schema) + ".history_data h, (SELECT pg_sleep(" + std::to_string(seconds) +
          ")) AS slow");
  db.grant_select(quote(schema) + ".flyway_schema_history");
}

}  // namespace mexp::test
