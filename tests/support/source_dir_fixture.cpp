// The paired-sources fixture: directory, table, collection, expectations.
#include "tests/support/source_dir_fixture.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace mexp::test {

namespace fs = std::filesystem;

void SourceDirFixture::SetUp() {
  char pattern[] = "/tmp/me_sources_XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  dir_ = pattern;
}

void SourceDirFixture::TearDown() { fs::remove_all(dir_); }

void SourceDirFixture::write(const std::string& relative, const std::string& content) {
  const fs::path path = fs::path(dir_) / relative;
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

Samples SourceDirFixture::collect_sources(const std::string& tool, const std::string& ddl,
                                          const std::string& qualified,
                                          const std::string& source_path) {
  db_.exec(ddl);
  for (const auto& insert : rows_) db_.exec(insert);
  db_.grant_select(qualified);
  auto session = monitor_session(db_);
  const std::string options =
      "sources = [{ tool = \"" + tool + "\", path = \"" + source_path + "\" }]";
  return collect(*make_collector("history", options), *session);
}

std::set<std::string> SourceDirFixture::names(const Samples& samples, const std::string& state) {
  std::set<std::string> result;
  for (const auto& sample : samples.all("migration_source_info", {{"state", state}}))
    result.insert(sample.labels.at("migration"));
  return result;
}

void SourceDirFixture::expect_state(const Samples& samples,
                                    const std::map<std::string, std::string>& table, double files,
                                    const std::set<std::string>& pending,
                                    const std::set<std::string>& missing,
                                    const std::set<std::string>& mismatch) {
  EXPECT_EQ(samples.get("migration_history_up", table), 1);
  EXPECT_EQ(samples.get("migration_source_up", table), 1);
  EXPECT_EQ(samples.get("migration_source_files", table), files);
  EXPECT_EQ(samples.get("migration_pending", table), static_cast<double>(pending.size()));
  EXPECT_EQ(samples.get("migration_missing_source", table), static_cast<double>(missing.size()));
  EXPECT_EQ(samples.get("migration_checksum_mismatch", table),
            static_cast<double>(mismatch.size()));
  EXPECT_EQ(samples.get("migration_future", table), 0);
  EXPECT_EQ(names(samples, "pending"), pending);
  EXPECT_EQ(names(samples, "missing_source"), missing);
  EXPECT_EQ(names(samples, "checksum_mismatch"), mismatch);
}

}  // namespace mexp::test
