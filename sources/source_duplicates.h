// Finds the files of a source that are the same migration, keeping the one its tool would use.
#pragma once

#include "sources/source_scan.h"

namespace mexp {

// Two files that are the same migration (of one kind: Flyway's V1 and U1 are not): the one the
// tool would use is compared (see DuplicateFiles) and every other is reported as malformed, rather
// than silently hidden behind it. `snapshot.files` must be sorted by path: the order the tools load
// them in, which decides the last one.
void report_duplicates(SourceSnapshot& snapshot, const SourceTool& tool);

}  // namespace mexp
