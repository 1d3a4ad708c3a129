#!/usr/bin/env bash
# Benchmark of the migration-source scanner (issue 14): N Flyway files (default 10,000) scanned
# cold and unchanged, compared with an N-row history, and the RSS that adds. No database: the
# history collector's own poll time is measured by bench/run.sh; these figures come on top of it.
# Drop the page cache first (as root: sync; echo 3 > /proc/sys/vm/drop_caches) for a disk-cold
# figure; otherwise "cold" means the exporter's digest cache is empty.
#   bench/sources_scan.sh [N_FILES] [ROUNDS]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${ME_BENCH_BUILD:-$root/build-bench-sources}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DME_TESTS=OFF -DME_BENCH=ON >/dev/null
cmake --build "$build" --target sources_bench_driver >/dev/null
"$build/sources_bench_driver" "${1:-10000}" "${2:-5}"
