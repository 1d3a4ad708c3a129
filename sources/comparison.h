// The expected state of a database: what its migration sources say against what its history table
// recorded, computed in the exporter from a source snapshot and the history rows (no SQL). This
// is the API the metrics and the deploy gate share.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sources/source_scan.h"
#include "sources/source_tool.h"

namespace mexp {

struct MigrationComparison {
  // Identities (versions, or names for repeatables and unversioned tools), each list sorted the way
  // the tool orders them.
  std::vector<std::string> pending;              // in the sources, never applied (or undone)
  std::vector<std::string> checksum_mismatch;    // applied, and the file's checksum differs since
  std::vector<std::string> missing_source;       // applied, no file (and not newer than every file)
  std::vector<std::string> outdated_repeatable;  // repeatable whose file changed since it last ran
  std::vector<std::string> out_of_order;         // applied after a higher version had been applied
  std::vector<std::string> future;               // applied, newer than the newest file
  std::vector<std::string> unresolved_failures;  // latest row of the identity is a failure
  std::size_t unverifiable = 0;  // applied rows the sources cannot show (Java migrations)
  std::size_t source_files = 0;  // migration files in the sources
  std::optional<std::string> newest_source_version;
  std::optional<std::string> current_version;  // highest applied version
};

// `sources` must be up (a partial view would report every unseen file as missing).
MigrationComparison compare_migrations(const SourceTool& tool, const SourceSnapshot& sources,
                                       const std::vector<AppliedMigration>& history);

// Identities whose latest history row is a failure (a success, undo, repair or clean state after
// it resolves it): what the unresolved-failures metric counts, without any sources.
std::vector<std::string> unresolved_failures(const SourceTool& tool,
                                             const std::vector<AppliedMigration>& history);

// Whether the database has reached the version a deployment expects: the highest applied version
// is at or past `expected` in the tool's order (for a tool without an order: `expected` is
// applied).
bool expected_version_reached(const SourceTool& tool, const std::vector<AppliedMigration>& history,
                              const std::string& expected);

}  // namespace mexp
