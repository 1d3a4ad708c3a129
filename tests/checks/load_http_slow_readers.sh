#!/usr/bin/env bash
# Load: 500 clients that send GET /metrics and never read the reply, arriving in waves while
# snapshots are replaced every poll (issue 13, item 7). Without a bound each wave pins a snapshot
# of its own until the write deadline; with it, memory pinned by unfinished writes stays within
# the newest snapshot plus max(4 MiB, 2 x its size), so RSS stays flat however many clients wait.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"
use_test_cluster
clients="$ME_SOURCE_DIR/tests/checks/lib/http_clients.py"

work=$(mktemp -d)
exporter="" readers=""
cleanup() {
  [ -n "$readers" ] && kill -9 "$readers" 2>/dev/null || true
  [ -n "$exporter" ] && kill -9 "$exporter" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
db="slow_readers_$$"
createdb "$db"
trap 'cleanup; psql -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true' EXIT
psql -q -v ON_ERROR_STOP=1 -d "$db" -f "$ME_SOURCE_DIR/scripts/demo/seed.sql"
# Enough tables for a snapshot of a few hundred KiB at the default caps.
psql -q -v ON_ERROR_STOP=1 -d "$db" -c \
  "DO \$\$ BEGIN FOR i IN 1..400 LOOP EXECUTE format('CREATE TABLE wide_%s (id int primary key, v text)', i); END LOOP; END \$\$"
port=$(free_port)
DATA_SOURCE_NAME="host=$PGHOST port=$PGPORT dbname=$db user=postgres" \
  "$ME_BIN" --web.listen-address="127.0.0.1:$port" --poll.interval=200ms >"$work/log" 2>&1 &
exporter=$!
wait_http "http://127.0.0.1:$port/readyz" 200 30
rss() { awk '/VmRSS/ { print $2 }' /proc/"$exporter"/status; }
snapshot=$(curl -s "http://127.0.0.1:$port/metrics" | wc -c)
# Warm up: a few scrapes so that allocator pools exist before the baseline.
for _ in 1 2 3; do curl -s -o /dev/null "http://127.0.0.1:$port/metrics"; sleep 0.3; done
before=$(rss)
python3 "$clients" slow-readers "$port" 500 20 0.3 >"$work/readers.json" &
readers=$!
peak=$before
while kill -0 "$readers" 2>/dev/null; do
  now=$(rss)
  [ "$now" -gt "$peak" ] && peak=$now
  sleep 0.2
done
readers=""
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://127.0.0.1:$port/healthz")
growth=$((peak - before))
echo "snapshot ${snapshot} B; RSS ${before} kB before, peak ${peak} kB with $(cat "$work/readers.json") non-reading clients (+${growth} kB)"
[ "$code" = 200 ] || fail "/healthz answered $code"
# The bound: the newest snapshot plus max(4 MiB, 2 x its size) for older ones (text and gzip),
# plus per-connection buffers (~16 KiB each).
limit_kb=$(( (3 * snapshot * 2 + 4 * 1048576) / 1024 + 500 * 16 ))
[ "$growth" -le "$limit_kb" ] || fail "RSS grew by ${growth} kB with non-reading clients (bound ${limit_kb} kB)"
pass "500 non-reading clients over 20 snapshots: RSS +${growth} kB (bound ${limit_kb} kB)"
