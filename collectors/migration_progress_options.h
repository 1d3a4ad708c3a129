// The migration_progress collector's options ([collectors.migration_progress]), read and checked.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "collectors/migration_locks.h"
#include "core/collector_options.h"

namespace mexp {

struct MigrationProgressOptions {
  bool auto_detect = true;
  bool read_lock_tables = true;
  std::chrono::milliseconds stale_lock_after{std::chrono::minutes(10)};
  struct ExplicitTable {
    const ToolLock* tool;
    std::string schema, table;
  };
  std::vector<ExplicitTable> tables;  // watched by name, beside what auto_detect finds
};

// Reads auto_detect, read_lock_tables, stale_lock_after and tables; problems go to `options`.
MigrationProgressOptions read_migration_progress_options(CollectorOptions& options);

}  // namespace mexp
