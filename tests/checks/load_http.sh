#!/usr/bin/env bash
# Load: wrk with 256 connections for 60 s against /metrics (plain and gzip). Zero errors, every
# reply 200, and the exporter's memory flat under load. Figures are printed, not asserted as speed.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"
use_test_cluster
command -v wrk >/dev/null || fail "wrk missing (Debian package wrk)"
duration=${ME_LOAD_SECONDS:-60}

work=$(mktemp -d)
exporter=""
cleanup() { [ -n "$exporter" ] && kill -9 "$exporter" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
db="load_$$"
createdb "$db"
psql -q -v ON_ERROR_STOP=1 -d "$db" -f "$ME_SOURCE_DIR/scripts/demo/seed.sql"
trap 'cleanup; psql -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true' EXIT
port=$(free_port)
DATA_SOURCE_NAME="host=$PGHOST port=$PGPORT dbname=$db user=postgres" \
  "$ME_BIN" --web.listen-address="127.0.0.1:$port" --poll.interval=1s >"$work/log" 2>&1 &
exporter=$!
wait_http "http://127.0.0.1:$port/readyz" 200 20
rss() { awk '/VmRSS/ { print $2 }' /proc/"$exporter"/status; }
cat >"$work/gzip.lua" <<'LUA'
wrk.headers["Accept-Encoding"] = "gzip"
LUA

before=$(rss)
half=$((duration / 2))
wrk -t2 -c256 -d"${half}s" --latency "http://127.0.0.1:$port/metrics" >"$work/plain.txt"
wrk -t2 -c256 -d"${half}s" --latency -s "$work/gzip.lua" "http://127.0.0.1:$port/metrics" >"$work/gzip.txt"
after=$(rss)
for kind in plain gzip; do
  file="$work/$kind.txt"
  if grep -q 'Socket errors' "$file"; then cat "$file"; fail "$kind: socket errors"; fi
  if grep -q 'Non-2xx' "$file"; then cat "$file"; fail "$kind: non-2xx replies"; fi
  echo "$kind: $(grep 'Requests/sec' "$file" | awk '{print $2}') req/s, p99 $(awk '/ 99%/ {print $2}' "$file")"
done
echo "RSS before ${before}kB, after ${after}kB"
[ "$after" -le $((before + 10240)) ] || fail "RSS grew by more than 10 MiB under load: ${before}kB -> ${after}kB"
pass "wrk -c256 for ${duration}s: zero errors, all 200, RSS flat"
