#!/usr/bin/env bash
# The performance benchmark, one command: migration_exporter (Release build), Debian's
# postgres_exporter and nginx serving a static copy of our own body, side by side against one
# throwaway PostgreSQL shaped like a production database under a migration (N tables with indexes,
# a Flyway history, idle clients, a lock queue), at N = 200, 2,000 and 10,000 tables.
#   bench/run.sh [--sizes 200,2000,10000] [--publish] [harness options...]
#     --publish   also put the summary in bench/RESULTS.md (keeping its introduction and the
#                 notes after its marker line) and the chart in docs/readme/performance.png
#     harness options: --variants default,uncapped --history 5000 --clients 100 --wrk-seconds 10
#                      --connections 16 --threads 2 --poll-interval 5 --idle 30 --no-peer
# Results: bench/results/<UTC time>/ (results.json, summary.md, performance.png, wrk outputs,
# logs); bench/results/latest points at the newest. About an hour on 2 cores (each N holds a 15-minute window of
# ours at its shipped cadences); the whole run is bounded by a 2-hour timeout. Everything it starts it stops, also on failure or Ctrl-C.
# Not part of scripts/test.sh: it is too slow, and its figures depend on the machine's load.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
publish=0
harness_args=()
while [ $# -gt 0 ]; do
  case $1 in
    --publish) publish=1; shift ;;
    -h | --help) sed -n '2,16p' "$0"; exit 0 ;;
    *) harness_args+=("$1"); shift ;;
  esac
done

ME_DEPS_BENCH=1 "$root/scripts/install-deps.sh"
python=/usr/bin/python3  # Debian's, which has python3-matplotlib
for tool in wrk nginx prometheus-postgres-exporter cmake git "$python"; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing" >&2; exit 1; }
done

echo "bench: building migration_exporter (Release) in build-bench/"
cmake -S "$root" -B "$root/build-bench" -G Ninja -DCMAKE_BUILD_TYPE=Release -DME_TESTS=OFF \
  -DME_BENCH=ON >/dev/null
cmake --build "$root/build-bench" -j2 --target migration_exporter >/dev/null

work=$(mktemp -d /tmp/me-bench.XXXXXX)
chmod 755 "$work"
out=$root/bench/results/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"
cleanup() {
  # The harness stops what it started; this catches what a killed harness left behind: processes
  # by their recorded pid (only if the pid still belongs to the process started), and the cluster.
  local record pid ticks
  for record in "$work"/pids/*.pid; do
    [ -e "$record" ] || continue
    read -r pid ticks <"$record"
    if [ "$(awk '{ sub(/^.*\) /, ""); print $20 }' "/proc/$pid/stat" 2>/dev/null)" = "$ticks" ]; then
      kill -KILL -- "-$pid" 2>/dev/null || true
    fi
  done
  "$root/tests/pg_cluster.sh" stop "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

status=0
PYTHONDONTWRITEBYTECODE=1 timeout --signal=TERM --kill-after=30 7200 "$python" "$root/bench/harness/main.py" \
  --root "$root" --binary "$root/build-bench/migration_exporter" --work "$work" --out "$out" \
  "${harness_args[@]}" || status=$?
ln -sfn "$(basename "$out")" "$root/bench/results/latest"
[ "$status" -eq 0 ] || { echo "bench: harness failed ($status); partial results in $out" >&2; exit "$status"; }

PYTHONDONTWRITEBYTECODE=1 "$python" "$root/bench/chart.py" "$out/results.json" "$out/performance.png"
echo "bench: results in $out (summary.md, results.json, performance.png)"
if [ "$publish" = 1 ]; then
  # The run's tables replace the previous run's; the notes kept by hand (before/after, what is
  # left) follow the marker line and are carried over.
  marker='<!-- notes kept by hand: bench/run.sh --publish keeps what follows -->'
  results="$root/bench/RESULTS.md"
  { awk '/^### Benchmark run/ { exit } { print }' "$results"
    cat "$out/summary.md"
    echo
    if grep -qxF -- "$marker" "$results"; then
      awk -v marker="$marker" 'kept || $0 == marker { kept = 1; print }' "$results"
    else
      echo "$marker"
    fi; } > "$results.new"
  mv "$results.new" "$results"
  cp "$out/performance.png" "$root/docs/readme/performance.png"
  echo "bench: published bench/RESULTS.md and docs/readme/performance.png"
fi
