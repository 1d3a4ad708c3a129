#!/usr/bin/env bash
# Auto-discovery at 10, 100 and 1,000 databases beside postgres_exporter --auto-discover-databases
# on the same server (issue 17); not a timed test. bench/harness/discovery.py says what is measured.
#   bench/discovery_scale.sh [--sizes 10,100,1000] [--window 60]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
for tool in psql prometheus-postgres-exporter cmake python3; do
  command -v "$tool" >/dev/null || { echo "discovery_scale: $tool is missing (ME_DEPS_BENCH=1 scripts/install-deps.sh)" >&2; exit 1; }
done
cmake -S "$root" -B "$root/build-bench" -G Ninja -DCMAKE_BUILD_TYPE=Release -DME_TESTS=OFF >/dev/null
cmake --build "$root/build-bench" -j2 --target migration_exporter >/dev/null
work=$(mktemp -d /tmp/me-bench-discovery.XXXXXX)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
mkdir -p "$root/bench/results"
python3 "$root/bench/harness/discovery.py" --root "$root" --binary "$root/build-bench/migration_exporter" \
  --work "$work" --out "$root/bench/results/discovery_scale.json" "$@" | tee "$root/bench/results/discovery_scale.md"
