// The text the tables, indexes and replication collectors produce passes promtool's linter, except
// for the counters whose names postgres_exporter fixed without a _total suffix (kept for
// compatibility: dashboards and alerts written for postgres_exporter use them).
#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include "tests/support/collector_run.h"
#include "tests/support/test_pg.h"

using mexp::test::CollectorRun;
using mexp::test::TestDatabase;

TEST(TablesExposition, PromtoolFindsNothingButPostgresExportersCounterNames) {
  TestDatabase db;
  db.exec(
      "CREATE TABLE \"we\"\"ird \\ name\" (id int PRIMARY KEY, body text);"
      "CREATE INDEX body_idx ON \"we\"\"ird \\ name\" (body);");
  const std::string slot = ("lint_" + db.name()).substr(0, 63);
  db.exec("SELECT pg_create_logical_replication_slot('" + slot + "', 'pgoutput')");
  std::vector<prometheus::MetricFamily> families;
  for (const char* name : {"tables", "indexes", "replication"}) {
    CollectorRun run(name, db.name());
    auto part = run.collect();
    std::move(part.begin(), part.end(), std::back_inserter(families));
  }
  db.exec("SELECT pg_drop_replication_slot('" + slot + "')");
  const std::string path = std::string(ME_BUILD_DIR) + "/tables_exposition_" + db.name() + ".prom";
  std::ofstream(path) << prometheus::TextSerializer().Serialize(families);

  FILE* promtool = popen(("promtool check metrics < " + path + " 2>&1").c_str(), "r");
  ASSERT_NE(promtool, nullptr) << "promtool is missing (Debian package prometheus)";
  std::string output;
  std::array<char, 4096> buffer{};
  while (fgets(buffer.data(), buffer.size(), promtool) != nullptr) output += buffer.data();
  const int status = pclose(promtool);
  std::remove(path.c_str());
  ASSERT_NE(output.find("pg_stat_user_tables_seq_scan"), std::string::npos)
      << "promtool did not run or changed its checks: " << output;

  // Every complaint must be about one of postgres_exporter's counters: no _total suffix, and for
  // four of them a _count suffix promtool reserves for histograms and summaries.
  const std::set<std::string> inherited = {
      "seq_scan",     "seq_tup_read",     "idx_scan",      "idx_tup_fetch",
      "n_tup_ins",    "n_tup_upd",        "n_tup_del",     "n_tup_hot_upd",
      "vacuum_count", "autovacuum_count", "analyze_count", "autoanalyze_count"};
  std::istringstream lines(output);
  std::string line;
  int complaints = 0;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    ++complaints;
    bool known = false;
    for (const auto& name : inherited) {
      const std::string metric = "pg_stat_user_tables_" + name;
      if (line == metric + " counter metrics should have \"_total\" suffix") known = true;
      if (line ==
              metric + " non-histogram and non-summary metrics should not have \"_count\" suffix" &&
          name.ends_with("_count"))
        known = true;
    }
    EXPECT_TRUE(known) << "unexpected promtool complaint: " << line;
  }
  EXPECT_EQ(complaints, static_cast<int>(inherited.size()) + 4);
  EXPECT_NE(status, -1);
}
