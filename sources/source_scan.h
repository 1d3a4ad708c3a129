// Reads a migration source directory the way its tool would: which files are migrations, and each
// one's checksum, from a digest cache so that a file is read again only when its size or mtime
// changed. Bounded (file count, file size, depth, symlink loops); never throws on bad input.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

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
  struct Walk;
  void read_plan(Walk& walk, const std::string& root);
  void apply_chain(Walk& walk, const std::string& directory);
  void visit_file(Walk& walk, const std::string& full_path, const std::string& relative,
                  std::uintmax_t size, std::int64_t mtime_ns);
  void walk_directory(Walk& walk, const std::string& full_path, const std::string& relative,
                      int depth);

  ScanLimits limits_;
  std::map<std::string, Digest> digests_;  // by relative path
  std::optional<Chain> chain_;
};

}  // namespace mexp
