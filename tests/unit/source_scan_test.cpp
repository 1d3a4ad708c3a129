// The source scanner on real directories: the digest cache (a file is read again only when its
// size or mtime changed), and bad input (missing or unreadable directories, malformed names,
// binary files, symlink loops, too many files, a file changing while read) never throws.
#include "sources/source_scan.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "sources/checksums.h"

namespace fs = std::filesystem;

namespace {

class SourceDir : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/me_sources_XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    root_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    fs::permissions(root_, fs::perms::owner_all, ignored);
    fs::remove_all(root_, ignored);
  }
  void write(const std::string& relative, const std::string& content) {
    const fs::path path = fs::path(root_) / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
  }
  // Gives a file another mtime without changing its size (filesystems may keep mtimes coarse).
  void touch_later(const std::string& relative) {
    const fs::path path = fs::path(root_) / relative;
    fs::last_write_time(path, fs::last_write_time(path) + std::chrono::seconds(5));
  }
  mexp::SourceSnapshot scan(mexp::SourceScanner& scanner) {
    return scanner.scan(root_, *mexp::find_source_tool("flyway"), mexp::SourceNaming{});
  }
  const mexp::SourceFile* file(const mexp::SourceSnapshot& snapshot, const std::string& path) {
    for (const auto& f : snapshot.files)
      if (f.path == path) return &f;
    return nullptr;
  }
  std::string root_;
};

}  // namespace

TEST_F(SourceDir, FilesAreHashedOnceUntilTheirSizeOrMtimeChanges) {
  write("V1__init.sql", "CREATE TABLE a (id int);\n");
  write("V2__more.sql", "CREATE TABLE b (id int);\n");
  write("nested/R__views.sql", "CREATE VIEW v AS SELECT 1;\n");
  write("README.md", "not a migration\n");
  mexp::SourceScanner scanner;
  auto snapshot = scan(scanner);
  ASSERT_TRUE(snapshot.up) << snapshot.error;
  ASSERT_EQ(snapshot.files.size(), 3u);
  EXPECT_EQ(snapshot.files_hashed, 3u);
  ASSERT_NE(file(snapshot, "V1__init.sql"), nullptr);
  EXPECT_EQ(file(snapshot, "V1__init.sql")->checksum,
            std::to_string(mexp::flyway_checksum("CREATE TABLE a (id int);\n")));

  snapshot = scan(scanner);
  EXPECT_EQ(snapshot.files_hashed, 0u);
  EXPECT_EQ(snapshot.files.size(), 3u);

  // Same size, new mtime: read again, and the new content's checksum is what it reports.
  write("V1__init.sql", "CREATE TABLE c (id int);\n");
  touch_later("V1__init.sql");
  snapshot = scan(scanner);
  EXPECT_EQ(snapshot.files_hashed, 1u);
  EXPECT_EQ(file(snapshot, "V1__init.sql")->checksum,
            std::to_string(mexp::flyway_checksum("CREATE TABLE c (id int);\n")));
  fs::remove(fs::path(root_) / "V2__more.sql");
  snapshot = scan(scanner);
  EXPECT_EQ(snapshot.files.size(), 2u);
  EXPECT_EQ(snapshot.files_hashed, 0u);
}

TEST_F(SourceDir, AMissingSourceIsDownWithTheReason) {
  mexp::SourceScanner scanner;
  const auto snapshot =
      scanner.scan(root_ + "/absent", *mexp::find_source_tool("flyway"), mexp::SourceNaming{});
  EXPECT_FALSE(snapshot.up);
  EXPECT_NE(snapshot.error.find("No such file or directory"), std::string::npos) << snapshot.error;
}

TEST_F(SourceDir, AnUnreadableSubdirectoryMakesTheSourceDown) {
  write("V1__init.sql", "SELECT 1;\n");
  write("locked/V2__x.sql", "SELECT 2;\n");
  fs::permissions(fs::path(root_) / "locked", fs::perms::none);
  fs::permissions(root_, fs::perms::all);
  // Root reads any directory: the scan runs as nobody in a child process.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(3);
    mexp::SourceScanner scanner;
    const auto snapshot = scan(scanner);
    const bool reason = snapshot.error.find("Permission denied") != std::string::npos;
    ::_exit(!snapshot.up && reason ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the source was not reported down with the reason";
}

TEST_F(SourceDir, MalformedNamesBinaryFilesAndSymlinkLoopsAreReportedNotFatal) {
  write("V1__init.sql", "SELECT 1;\n");
  write("V2_no_separator.sql", "SELECT 2;\n");
  write("V3__binary.sql", std::string("\x00\x01\x02garbage", 10));
  write("V4__latin1.sql", "SELECT '\xE9';\n");
  fs::create_directory_symlink(root_, fs::path(root_) / "loop");
  fs::create_symlink(fs::path(root_) / "gone.sql", fs::path(root_) / "V5__dangling.sql");
  mexp::SourceScanner scanner;
  const auto snapshot = scan(scanner);
  ASSERT_TRUE(snapshot.up) << snapshot.error;
  EXPECT_TRUE(file(snapshot, "V1__init.sql")->problem.empty());
  ASSERT_NE(file(snapshot, "V3__binary.sql"), nullptr);
  EXPECT_NE(file(snapshot, "V3__binary.sql")->problem.find("binary"), std::string::npos);
  EXPECT_FALSE(file(snapshot, "V3__binary.sql")->checksum);
  EXPECT_NE(file(snapshot, "V4__latin1.sql")->problem.find("UTF-8"), std::string::npos);
  std::map<std::string, std::string> malformed(snapshot.malformed.begin(),
                                               snapshot.malformed.end());
  EXPECT_TRUE(malformed.contains("V2_no_separator.sql"));
  EXPECT_NE(malformed["loop"].find("symlink loop"), std::string::npos);
  EXPECT_NE(malformed["V5__dangling.sql"].find("dangling"), std::string::npos);
}

TEST_F(SourceDir, MoreFilesThanTheLimitMakeTheSourceDown) {
  for (int i = 1; i <= 12; ++i) write("V" + std::to_string(i) + "__m.sql", "SELECT 1;\n");
  mexp::SourceScanner scanner(mexp::ScanLimits{.max_files = 10});
  const auto snapshot = scan(scanner);
  EXPECT_FALSE(snapshot.up);
  EXPECT_NE(snapshot.error.find("more than 10"), std::string::npos) << snapshot.error;
  mexp::SourceScanner roomy(mexp::ScanLimits{.max_files = 12});
  EXPECT_TRUE(scan(roomy).up);
}

TEST_F(SourceDir, SpecialFilesAreSkippedWithoutBlocking) {
  write("V1__init.sql", "SELECT 1;\n");
  // Opening a FIFO for reading would block until a writer comes: it is no regular file, skipped.
  ASSERT_EQ(::mkfifo((root_ + "/V2__pipe.sql").c_str(), 0600), 0);
  mexp::SourceScanner scanner;
  auto snapshot = scan(scanner);
  ASSERT_TRUE(snapshot.up) << snapshot.error;
  EXPECT_EQ(file(snapshot, "V2__pipe.sql"), nullptr);
  EXPECT_EQ(snapshot.files.size(), 1u);
}

TEST_F(SourceDir, ASingleFileIsASource) {
  write("V7__only.sql", "SELECT 7;\n");
  mexp::SourceScanner scanner;
  const auto snapshot = scanner.scan(root_ + "/V7__only.sql", *mexp::find_source_tool("flyway"),
                                     mexp::SourceNaming{});
  ASSERT_TRUE(snapshot.up) << snapshot.error;
  ASSERT_EQ(snapshot.files.size(), 1u);
  EXPECT_EQ(snapshot.files[0].migration.identity, "7");
}

TEST_F(SourceDir, TwoFilesOfOneVersionAreReportedAsTheToolRefusesThem) {
  // golang-migrate (source.Migrations.Append) and goose (collectFilesystemSources) stop on these.
  write("000001_init.up.sql", "CREATE TABLE a (id int);\n");
  write("1_again.up.sql", "CREATE TABLE b (id int);\n");
  write("000001_init.down.sql", "DROP TABLE a;\n");  // an up and a down of one version are fine
  write("000002_more.up.sql", "CREATE TABLE c (id int);\n");
  mexp::SourceScanner scanner;
  auto snapshot = scanner.scan(root_, *mexp::find_source_tool("golang-migrate"), {});
  ASSERT_TRUE(snapshot.up) << snapshot.error;
  ASSERT_EQ(snapshot.files.size(), 3u);  // the down file is kept as version 1's undo script
  for (const auto& file : snapshot.files) EXPECT_NE(file.path, "1_again.up.sql");
  ASSERT_EQ(snapshot.malformed.size(), 1u);
  EXPECT_EQ(snapshot.malformed[0].first, "1_again.up.sql");
  EXPECT_NE(snapshot.malformed[0].second.find("000001_init.up.sql"), std::string::npos);

  fs::remove_all(root_);
  write("001_foo.sql", "-- +goose Up\nSELECT 1;\n");
  write("01_bar.sql", "-- +goose Up\nSELECT 2;\n");
  snapshot = scanner.scan(root_, *mexp::find_source_tool("goose"), {});
  ASSERT_TRUE(snapshot.up) << snapshot.error;
  EXPECT_EQ(snapshot.files.size(), 1u);
  ASSERT_EQ(snapshot.malformed.size(), 1u);
  EXPECT_EQ(snapshot.malformed[0].first, "01_bar.sql");
}
