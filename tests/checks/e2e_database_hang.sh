#!/usr/bin/env bash
# End to end: a PostgreSQL that hangs (postmaster and backends stopped with SIGSTOP) and a target
# that accepts TCP but never answers. /metrics stays fast, polls give up at their deadlines with
# pg_up 0, a healthy target beside them keeps its 1s cadence, SIGCONT brings pg_up back, and the
# exporter still stops within a second while a query hangs.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"

start_private_cluster
work=$(mktemp -d)
on_exit "rm -rf '$work'"
exporter=""
stopped_pids=()
# Registered after the cluster's stop, so it runs before it: a stopped server cannot shut down.
on_exit 'for pid in "${stopped_pids[@]}"; do kill -CONT "$pid"; done; [ -z "$exporter" ] || kill -9 "$exporter"'
use_test_cluster  # the suite's cluster is the healthy neighbour
healthy_port=$PGPORT
set -a; source "$cluster/env"; set +a

# A server that completes the TCP handshake (the kernel does) but never reads or answers.
blackhole_port=$(free_port)
python3 -c 'import socket,sys,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64); time.sleep(600)' "$blackhole_port" &
on_exit "kill -9 $!"

cat >"$work/config.toml" <<TOML
connect_timeout = "2s"
statement_timeout = "1s"
[collectors.history]
interval = "1s"
[[targets]]
name = "hung"
dsn = "host=127.0.0.1 port=$PGPORT dbname=postgres user=postgres"
[[targets]]
name = "blackhole"
dsn = "host=127.0.0.1 port=$blackhole_port dbname=x user=x"
[[targets]]
name = "healthy"
dsn = "host=127.0.0.1 port=$healthy_port dbname=postgres user=postgres"
TOML
port=$(free_port)
"$ME_BIN" --config.file="$work/config.toml" --web.listen-address="127.0.0.1:$port" >"$work/log" 2>&1 &
exporter=$!
base="http://127.0.0.1:$port"
wait_http "$base/readyz" 200 30

value() { scraped_value "$base" "$1"; }
wait_value() { wait_scraped "$base" "$@"; }
wait_value 'pg_up{datname="postgres",target="hung"}' 1 5
expect_value_now() { [ "$(value "$1")" = "$2" ] || fail "$1 is $(value "$1"), expected $2"; }
expect_value_now 'pg_up{datname="x",target="blackhole"}' 0
pass "before the hang: hung=1, blackhole=0 (connect deadline), healthy polled"

# Hang the server: the postmaster and every backend stop answering, sockets stay open.
postmaster=$(head -1 "$cluster/data/postmaster.pid")
for pid in "$postmaster" $(pgrep -P "$postmaster"); do
  kill -STOP "$pid" && stopped_pids+=("$pid")
done
hung_at=$(date +%s%N)
# The first snapshot that says pg_up 0 must say it consistently (README: collectors' success 0,
# their series gone): no collector still reported successful, no series read before the hang.
down=""
for _ in $(seq 80); do
  body=$(curl -sf "$base/metrics")
  if [ "$(awk '$1 == "pg_up{datname=\"postgres\",target=\"hung\"}" { print $2 }' <<<"$body")" = 0 ]; then
    down=yes
    break
  fi
  sleep 0.1
done
[ -n "$down" ] || fail "pg_up of the hung target did not become 0 within 8s"
gave_up_ms=$(( ($(date +%s%N) - hung_at) / 1000000 ))
still_ok=$(grep '^migration_exporter_collector_success{.*target="hung"' <<<"$body" | grep -v ' 0$' || true)
[ -z "$still_ok" ] || fail "pg_up 0 served beside collectors still reported successful: $still_ok"
stale=$(grep 'target="hung"' <<<"$body" |
  grep -v -E '^(pg_up|pg_exporter_last_scrape_error|migration_exporter_database_up|migration_exporter_collector_(duration_seconds|success)|migration_exporter_last_poll_timestamp_seconds)\{' || true)
[ -z "$stale" ] || fail "pg_up 0 served beside series read before the hang: $(head -3 <<<"$stale")"
pass "hung server: pg_up 0 after ${gave_up_ms}ms (statement_timeout 1s + 2s client guard), in a consistent snapshot (every collector failed, no pre-hang series)"

# /metrics answers fast during the hang, and the healthy target keeps its cadence.
slowest=0
t0=$(date +%s.%N)
first=$(value 'migration_exporter_last_poll_timestamp_seconds{datname="postgres",target="healthy"}')
for _ in $(seq 20); do
  ms=$(curl -s -o /dev/null -w '%{time_total}' "$base/metrics" | awk '{ printf "%d", $1 * 1000 }')
  [ "$ms" -gt "$slowest" ] && slowest=$ms
  sleep 0.2
done
last=$(value 'migration_exporter_last_poll_timestamp_seconds{datname="postgres",target="healthy"}')
t1=$(date +%s.%N)
[ "$slowest" -lt 1000 ] || fail "a scrape took ${slowest}ms during the hang"
# Each reading is the time of the latest poll, at most one interval (1s) old: over the window the
# healthy target's poll time must advance with the wall clock, give or take two intervals.
python3 -c "import sys; sys.exit(0 if float('$last') - float('$first') >= float('$t1') - float('$t0') - 2.0 else 1)" ||
  fail "healthy target fell behind: polled $first -> $last over the window $t0 -> $t1"
pass "during the hang: slowest of 20 scrapes ${slowest}ms; healthy target polled every second"

# Stop while a poll is stuck on the hung server: within a second.
start=$(date +%s%N)
kill -TERM "$exporter"
wait "$exporter" || fail "exit status $? after SIGTERM"
exporter=""
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$elapsed_ms" -lt 1000 ] || fail "SIGTERM took ${elapsed_ms}ms with a hung target"
pass "SIGTERM with a hung target: exit in ${elapsed_ms}ms"

# The server comes back: a new exporter sees it again.
for pid in "${stopped_pids[@]}"; do kill -CONT "$pid"; done
stopped_pids=()
"$ME_BIN" --config.file="$work/config.toml" --web.listen-address="127.0.0.1:$port" >>"$work/log" 2>&1 &
exporter=$!
wait_value 'pg_up{datname="postgres",target="hung"}' 1 10
pass "after SIGCONT: pg_up 1"
