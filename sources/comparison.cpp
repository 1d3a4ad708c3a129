// Compares a source snapshot with history rows the way `flyway info` classifies migrations.
#include "sources/comparison.h"

#include <algorithm>
#include <map>

namespace mexp {
namespace {

// What the history says of one identity after its latest row.
struct IdentityState {
  bool applied = false;                          // its latest row is a successful apply or baseline
  bool failed = false;                           // its latest row is a failure
  const AppliedMigration* last_apply = nullptr;  // latest successful apply (its checksum counts)
  const AppliedMigration* last_row = nullptr;
};

std::map<std::string, IdentityState> states_of(const SourceTool& tool,
                                               const std::vector<AppliedMigration>& history) {
  std::vector<const AppliedMigration*> ordered;
  for (const auto& row : history) {
    if (row.kind != "marker") ordered.push_back(&row);
  }
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const auto* a, const auto* b) { return a->ordinal < b->ordinal; });
  std::map<std::string, IdentityState> states;
  for (const auto* row : ordered) {
    auto& state = states[tool.identity_of(*row)];
    state.last_row = row;
    state.failed = !row->success;
    if (!row->success) {
      state.applied = false;
    } else if (row->kind == "apply" || row->kind == "baseline") {
      state.applied = true;
      state.last_apply = row;
    } else {
      state.applied = false;  // undo, delete
    }
  }
  return states;
}

void sort_by_version(const SourceTool& tool, std::vector<std::string>& identities) {
  std::sort(identities.begin(), identities.end(), [&](const std::string& a, const std::string& b) {
    const int order = tool.compare_versions ? tool.compare_versions(a, b) : 0;
    return order != 0 ? order < 0 : a < b;
  });
}

bool differs(const std::optional<std::string>& recorded, const SourceFile& file) {
  if (!recorded || !file.checksum || *recorded == *file.checksum) return false;
  return std::find(file.also_accepted.begin(), file.also_accepted.end(), *recorded) ==
         file.also_accepted.end();
}

}  // namespace

std::vector<std::string> unresolved_failures(const SourceTool& tool,
                                             const std::vector<AppliedMigration>& history) {
  std::vector<std::string> failed;
  for (const auto& [identity, state] : states_of(tool, history)) {
    if (state.failed) failed.push_back(identity);
  }
  sort_by_version(tool, failed);
  return failed;
}

MigrationComparison compare_migrations(const SourceTool& tool, const SourceSnapshot& sources,
                                       const std::vector<AppliedMigration>& recorded) {
  // A history of heads (Alembic) is compared as the applied rows it implies.
  std::vector<AppliedMigration> expanded;
  if (tool.expand_history) {
    std::vector<SourceMigration> migrations;
    for (const auto& file : sources.files) migrations.push_back(file.migration);
    expanded = tool.expand_history(migrations, recorded);
  }
  const auto& history = tool.expand_history ? expanded : recorded;
  MigrationComparison result;
  const auto states = states_of(tool, history);
  const auto newer = [&](const std::string& a, const std::string& b) {
    return tool.compare_versions && tool.compare_versions(a, b) > 0;
  };
  // A baseline marks every version up to it as applied without running anything.
  std::optional<std::string> baseline;
  for (const auto& row : history) {
    if (row.kind == "baseline" && row.success && row.version &&
        (!baseline || newer(tool.identity_of(row), *baseline)))
      baseline = tool.identity_of(row);
  }
  std::map<std::string, const SourceFile*> files;
  for (const auto& file : sources.files) {
    if (file.migration.kind == SourceKind::undo) continue;  // an undo script is not a migration
    ++result.source_files;
    files.emplace(file.migration.identity, &file);
    // Without a version order (a plan), the newest is the last listed.
    if (!file.migration.version.empty() &&
        (!tool.compare_versions || !result.newest_source_version ||
         newer(file.migration.version, *result.newest_source_version)))
      result.newest_source_version = file.migration.version;
  }
  for (const auto& [identity, file] : files) {
    const auto state = states.find(identity);
    const bool applied = state != states.end() && state->second.applied;
    if (state != states.end() && state->second.failed) continue;  // counted as a failure
    if (file->migration.kind == SourceKind::repeatable) {
      if (!applied) {
        result.pending.push_back(identity);
      } else if (differs(state->second.last_apply->checksum, *file)) {
        result.outdated_repeatable.push_back(identity);
      }
    } else if (applied) {
      if (differs(state->second.last_apply->checksum, *file))
        result.checksum_mismatch.push_back(identity);
    } else if (file->migration.kind != SourceKind::baseline &&
               !(baseline && !newer(identity, *baseline))) {
      result.pending.push_back(identity);
    }
  }
  // Out of order: applied after a higher version had already been applied.
  std::optional<std::string> highest_so_far;
  std::vector<const AppliedMigration*> ordered;
  for (const auto& row : history) ordered.push_back(&row);
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const auto* a, const auto* b) { return a->ordinal < b->ordinal; });
  std::map<std::string, bool> out_of_order;
  for (const auto* row : ordered) {
    if (!row->success || row->kind != "apply" || !row->version) continue;
    const std::string identity = tool.identity_of(*row);
    if (highest_so_far && newer(*highest_so_far, identity)) out_of_order[identity] = true;
    if (!highest_so_far || newer(identity, *highest_so_far)) highest_so_far = identity;
  }
  for (const auto& [identity, state] : states) {
    if (state.failed) result.unresolved_failures.push_back(identity);
    if (!state.applied) continue;
    const auto& row = *state.last_apply;
    if (row.version && (!result.current_version || newer(identity, *result.current_version)))
      result.current_version = identity;
    if (out_of_order.contains(identity)) result.out_of_order.push_back(identity);
    if (files.contains(identity) || tool.synthetic(row)) continue;
    if (tool.unverifiable(row)) {
      ++result.unverifiable;
    } else if (row.version && result.newest_source_version &&
               newer(identity, *result.newest_source_version)) {
      result.future.push_back(identity);
    } else {
      result.missing_source.push_back(identity);
    }
  }
  for (auto* list : {&result.pending, &result.checksum_mismatch, &result.missing_source,
                     &result.outdated_repeatable, &result.out_of_order, &result.future,
                     &result.unresolved_failures})
    sort_by_version(tool, *list);
  return result;
}

bool expected_version_reached(const SourceTool& tool, const std::vector<AppliedMigration>& history,
                              const std::string& expected) {
  for (const auto& [identity, state] : states_of(tool, history)) {
    if (!state.applied) continue;
    if (identity == expected) return true;
    if (tool.compare_versions && state.last_apply->version &&
        tool.compare_versions(identity, expected) >= 0)
      return true;
  }
  return false;
}

}  // namespace mexp
