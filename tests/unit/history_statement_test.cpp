// The history statement's change detection relies on each tool's rows depending only on the
// table's own rows (and, where declared through pg_locks, on the advisory locks held): a tool
// description reading the clock or another relation would be served stale. These tests keep
// every registered description inside that rule.
#include "collectors/history_statement.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::size_t occurrences(const std::string& text, const std::string& word) {
  std::size_t count = 0;
  for (auto pos = text.find(word); pos != std::string::npos; pos = text.find(word, pos + 1))
    ++count;
  return count;
}

}  // namespace

TEST(HistoryStatement, EveryToolReadsOnlyItsTableAndTheLocksItDeclares) {
  ASSERT_GE(mexp::history_tools().size(), 21u);
  for (const auto& tool : mexp::history_tools()) {
    SCOPED_TRACE(tool.name);
    const std::string sql = lower(tool.normalized_sql);
    for (const char* input :
         {"now()", "current_timestamp", "current_date", "localtimestamp", "clock_timestamp",
          "statement_timestamp", "transaction_timestamp", "timeofday", "random(", "pg_stat",
          "txid_", "pg_current_", "current_setting", "nextval", "currval"}) {
      EXPECT_EQ(sql.find(input), std::string::npos) << "reads " << input;
    }
    // Catalog relations: only pg_locks, and pg_database to find this database's oid in it.
    EXPECT_EQ(occurrences(sql, "pg_catalog."),
              occurrences(sql, "pg_catalog.pg_locks") + occurrences(sql, "pg_catalog.pg_database"));
    EXPECT_EQ(occurrences(sql, "pg_catalog.pg_locks") > 0, mexp::history_reads_locks(tool));
  }
}

TEST(HistoryStatement, TheFingerprintCoversRowsAndDeclaredLocksAndIsOmittedForViews) {
  const auto* flyway = mexp::find_history_tool("flyway");
  const auto* prisma = mexp::find_history_tool("prisma");
  ASSERT_NE(flyway, nullptr);
  ASSERT_NE(prisma, nullptr);
  const auto fingerprint_of = [](const std::string& statement) {
    const auto start = statement.find("WITH fingerprint AS (");
    return statement.substr(start, statement.find("), h AS (") - start);
  };
  const auto table = fingerprint_of(mexp::history_statement(*flyway, "\"s\".\"t\"", true));
  EXPECT_NE(table.find("age(xmin)"), std::string::npos) << table;
  EXPECT_NE(table.find("FROM \"s\".\"t\""), std::string::npos) << table;
  EXPECT_EQ(table.find("pg_locks"), std::string::npos) << table;
  const auto locked = fingerprint_of(mexp::history_statement(*prisma, "\"s\".\"t\"", true));
  EXPECT_NE(locked.find("pg_locks"), std::string::npos) << locked;
  const auto view = fingerprint_of(mexp::history_statement(*flyway, "\"s\".\"v\"", false));
  EXPECT_EQ(view, "WITH fingerprint AS (SELECT NULL::text AS value");
}
