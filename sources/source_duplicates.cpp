// Finds the files of a source that are the same migration, keeping the one its tool would use.
#include "sources/source_duplicates.h"

#include <map>
#include <utility>

namespace mexp {

void report_duplicates(SourceSnapshot& snapshot, const SourceTool& tool) {
  const bool last_wins = tool.duplicate_files == DuplicateFiles::last_wins;
  struct Used {
    std::size_t index;  // of the file compared
    std::string path;
  };
  std::map<std::pair<SourceKind, std::string>, Used> used;
  for (std::size_t i = 0; i < snapshot.files.size(); ++i) {
    const auto& file = snapshot.files[i];
    const auto [at, inserted] =
        used.try_emplace({file.migration.kind, file.migration.identity}, Used{i, file.path});
    if (!inserted && last_wins) at->second = {i, file.path};
  }
  const std::string because = last_wins
                                  ? tool.name + " uses only the last file of a migration, by name"
                                  : tool.name + " refuses two files for one migration";
  std::vector<SourceFile> kept;
  for (std::size_t i = 0; i < snapshot.files.size(); ++i) {
    auto& file = snapshot.files[i];
    const Used& winner = used.at({file.migration.kind, file.migration.identity});
    if (winner.index == i) {
      kept.push_back(std::move(file));
    } else {
      snapshot.malformed.emplace_back(file.path, "the same migration (" + file.migration.identity +
                                                     ") as " + winner.path + ": " + because);
    }
  }
  snapshot.files = std::move(kept);
}

}  // namespace mexp
