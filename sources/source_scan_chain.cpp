// Chained checksums (Atlas's atlas.sum), where each file's covers every file before it.
#include <sys/stat.h>

#include <algorithm>

#include "sources/checksums.h"
#include "sources/source_scan_walk.h"
#include "sources/source_text.h"

namespace mexp {

// Chained checksums cover every file before the one they belong to, so one changed file (or one
// added, removed, or an edited integrity file) means reading them all again; an unchanged source
// reads none.
void SourceScanner::apply_chain(Walk& walk, const std::string& directory) {
  std::sort(walk.chained.begin(), walk.chained.end(),
            [](const auto& a, const auto& b) { return a.relative < b.relative; });
  std::vector<ChainStamp> stamps;
  for (const auto& file : walk.chained) stamps.push_back({file.relative, file.size, file.mtime_ns});
  std::string integrity_path;
  struct stat info {};
  if (!directory.empty() && !walk.tool.integrity_file.empty() &&
      ::stat((directory + "/" + walk.tool.integrity_file).c_str(), &info) == 0 &&
      S_ISREG(info.st_mode)) {
    integrity_path = directory + "/" + walk.tool.integrity_file;
    // A path no migration can have ('\n'): the integrity file's own stamp.
    stamps.push_back({"\n" + walk.tool.integrity_file, static_cast<std::uintmax_t>(info.st_size),
                      mtime_ns_of(info)});
  }
  if (!chain_ || chain_->stamps != stamps) {
    Chain chain{stamps, {}, {}, {}};
    std::vector<SourceContent> contents;
    bool retry = false;  // a file caught changing: read everything again next scan
    std::string unreadable;
    for (const auto& file : walk.chained) {
      if (!unreadable.empty()) {
        chain.file_problems[file.relative] =
            "not verified: its checksum covers " + unreadable + ", which could not be read";
        continue;
      }
      ++walk.snapshot.files_hashed;
      std::string content, problem;
      struct stat after {};
      if (file.size > limits_.max_file_bytes) {
        problem = "larger than max_file_bytes (" + std::to_string(limits_.max_file_bytes) + ")";
      } else {
        problem = read_source_file(file.full_path, file.size, content, after);
        if (problem.empty() && (static_cast<std::uintmax_t>(after.st_size) != file.size ||
                                mtime_ns_of(after) != file.mtime_ns))
          problem = "changed while being read";
      }
      if (!problem.empty()) {
        retry = retry || problem == "changed while being read";
        chain.file_problems[file.relative] = problem;
        unreadable = file.relative;
        continue;
      }
      if (auto text = text_content_problem(content); !text.empty())
        chain.file_problems[file.relative] = text;
      contents.push_back({file.relative, std::move(content)});
    }
    std::optional<std::string> integrity;
    if (!integrity_path.empty()) {
      std::string content;
      struct stat after {};
      if (read_source_file(integrity_path, static_cast<std::uintmax_t>(info.st_size), content,
                           after)
              .empty())
        integrity = std::move(content);
    }
    auto result = walk.tool.chain_checksums(contents, integrity);
    for (std::size_t i = 0; i < contents.size() && i < result.checksums.size(); ++i)
      chain.checksums[contents[i].path] = std::move(result.checksums[i]);
    // Against a partial chain the integrity file would look wrong for the wrong reason.
    if (unreadable.empty()) chain.problems = std::move(result.problems);
    if (retry) {
      chain.stamps.clear();
    }
    chain_ = std::move(chain);
  }
  for (auto& file : walk.snapshot.files) {
    if (const auto checksum = chain_->checksums.find(file.path);
        checksum != chain_->checksums.end())
      file.checksum = checksum->second;
    if (const auto problem = chain_->file_problems.find(file.path);
        problem != chain_->file_problems.end())
      file.problem = problem->second;
  }
  const std::string where = walk.tool.integrity_file.empty() ? "." : walk.tool.integrity_file;
  for (const auto& problem : chain_->problems) walk.snapshot.malformed.emplace_back(where, problem);
}

}  // namespace mexp
