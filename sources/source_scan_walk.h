// The state of one SourceScanner::scan, shared by the files that implement the scanner.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "sources/source_scan.h"

namespace mexp {

struct SourceScanner::Walk {
  struct Chained {
    std::string relative, full_path;
    std::uintmax_t size = 0;
    std::int64_t mtime_ns = 0;
  };
  const SourceTool& tool;
  const SourceNaming& naming;
  SourceSnapshot snapshot;
  std::map<std::string, Digest> digests;  // this scan's, replacing the scanner's at the end
  std::map<std::string, Named> named;     // this scan's read_identity results, likewise
  std::set<std::pair<dev_t, ino_t>> directories;
  std::size_t entries = 0;
  std::vector<Chained> chained;  // migration files of a tool with chained checksums
};

}  // namespace mexp
