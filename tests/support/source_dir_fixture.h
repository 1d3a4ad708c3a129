// A gtest fixture for the history collector with migration sources paired, against the real server:
// a temporary source directory, a fresh database, one collection, and the comparison's
// expectations.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/support/metrics_text.h"
#include "tests/support/test_pg.h"

namespace mexp::test {

class SourceDirFixture : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  // Writes `content` to `relative` below the source directory, creating its directories.
  void write(const std::string& relative, const std::string& content);
  // Creates the table (`ddl`), runs `rows_`, lets the monitor role read `qualified`, and collects
  // once with `tool`'s sources at `source_path`.
  Samples collect_sources(const std::string& tool, const std::string& ddl,
                          const std::string& qualified, const std::string& source_path);
  // The migrations migration_source_info names in `state`.
  std::set<std::string> names(const Samples& samples, const std::string& state);
  // History and sources read, the file count, no future version, and the pending, missing and
  // drifted migrations, counted and named.
  void expect_state(const Samples& samples, const std::map<std::string, std::string>& table,
                    double files, const std::set<std::string>& pending,
                    const std::set<std::string>& missing, const std::set<std::string>& mismatch);

  TestDatabase db_;
  std::string dir_;
  std::vector<std::string> rows_;  // INSERTs run after the table is created
};

}  // namespace mexp::test
