// Reads a migration source directory the way its tool would: which files are migrations, and each
// one's checksum, from a digest cache so that a file is read again only when its size or mtime
// changed. Bounded (file count, file size, depth, symlink loops); never throws on bad input.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sources/changelog_files.h"
#include "sources/source_tool.h"

namespace mexp {

struct ScanLimits {
  std::size_t max_files = 50000;             // entries looked at; more makes the source unreadable
  std::uintmax_t max_file_bytes = 16 << 20;  // a larger migration file is not hashed
  int max_depth = 16;
};

struct SourceFile {
  std::string path;  // relative to the root, '/'-separated
  SourceMigration migration;
  std::optional<std::string> checksum;     // as the tool stores it; nullopt when none or unreadable
  std::string problem;                     // non-empty: the file could not be verified, and why
  std::vector<std::string> also_accepted;  // other recorded values that match it (Prisma)
};

struct SourceSnapshot {
  bool up = false;                // the whole source could be read: comparisons are meaningful
  std::string error;              // why not, when !up
  std::vector<SourceFile> files;  // migrations, sorted by path
  std::vector<std::pair<std::string, std::string>> malformed;  // path, why the tool rejects it
  std::size_t files_hashed = 0;  // files read this scan (not served from the digest cache)
};

class SourceScanner {
 public:
  explicit SourceScanner(ScanLimits limits = {}) : limits_(limits) {}
  // `root` is a directory (read recursively; names starting with '.' are skipped, which also
  // skips the ..data links of a Kubernetes ConfigMap volume while its files are followed) or a
  // single file.
  SourceSnapshot scan(const std::string& root, const SourceTool& tool, const SourceNaming& naming);

 private:
  struct Digest {
    std::uintmax_t size = 0;
    std::int64_t mtime_ns = 0;
    std::optional<std::string> checksum;
    std::string problem;
    std::vector<SourceMigration> planned;  // a plan file's migrations
    std::vector<std::string> plan_problems;
    std::vector<std::string> also_accepted;
    std::optional<SourceMigration> read;  // SourceTool::read_content's migration
    std::string malformed;                // SourceTool::read_content's rejection
  };
  // A tool with chained checksums (Atlas): the files and integrity file they were computed from.
  struct ChainStamp {
    std::string path;
    std::uintmax_t size = 0;
    std::int64_t mtime_ns = 0;
    bool operator==(const ChainStamp&) const = default;
  };
  struct Chain {
    std::vector<ChainStamp> stamps;
    std::map<std::string, std::optional<std::string>> checksums;  // by relative path
    std::map<std::string, std::string> file_problems;
    std::vector<std::string> problems;
  };
  // What read_identity made of a file, kept while the file it read keeps its size and mtime.
  struct Named {
    std::string read_path;  // the file whose text named it (the migration's, or its companion)
    std::uintmax_t size = 0;
    std::int64_t mtime_ns = 0;
    SourceName name;
    std::string problem;
  };
  // A changelog tree's reading, kept while none of the files it read or listed changed.
  struct ChangelogCache {
    std::string search_path, changelog;
    std::shared_ptr<ChangelogFiles> files;
    ChangelogRead read;
  };
  struct Walk;  // one scan's state (sources/source_scan_walk.h)
  void read_changelog(Walk& walk, const std::string& root);
  SourceName identify(Walk& walk, const std::string& full_path, const std::string& relative,
                      SourceMigration from_name, std::string& problem);
  void read_plan(Walk& walk, const std::string& root);
  void apply_chain(Walk& walk, const std::string& directory);
  void visit_file(Walk& walk, const std::string& full_path, const std::string& relative,
                  std::uintmax_t size, std::int64_t mtime_ns);
  void walk_directory(Walk& walk, const std::string& full_path, const std::string& relative,
                      int depth);

  ScanLimits limits_;
  std::map<std::string, Digest> digests_;  // by relative path
  std::map<std::string, Named> named_;     // by the migration's relative path
  std::optional<ChangelogCache> changelog_;
  std::optional<Chain> chain_;
};

}  // namespace mexp
