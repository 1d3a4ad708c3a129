// Test helper: Flyway's real DDL (from the reference) and rows, in any schema and table name.
#pragma once

#include <string>

#include "tests/support/test_pg.h"

namespace mexp::test {

// Creates schema (if needed) and the Flyway history table exactly as Flyway 10 does on PostgreSQL,
// and grants the monitor role SELECT on it.
void create_flyway_table(TestDatabase& db, const std::string& schema, const std::string& table,
                         bool grant = true);

// Inserts one row; `version` empty means NULL (a repeatable). installed_on is given as
// 'YYYY-MM-DD HH:MM:SS' (a time-zone-less timestamp, as Flyway stores it).
void insert_flyway_row(TestDatabase& db, const std::string& qualified_table, int rank,
                       const std::string& version, const std::string& description,
                       const std::string& type, const std::string& script,
                       const std::string& installed_on, int execution_ms, bool success,
                       const std::string& installed_by = "deployer");

// A view named like Flyway's table, `schema`.flyway_schema_history, over a real one named otherwise
// (so that only the view is detected) with one applied row; each read of it sleeps `seconds`.
void create_slow_flyway_view(TestDatabase& db, const std::string& schema, double seconds);

}  // namespace mexp::test
