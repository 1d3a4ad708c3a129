#!/usr/bin/env bash
# End to end: the database goes away and comes back. /metrics keeps answering from the last
# snapshot with pg_up 0 and failed collectors, the poll timestamp keeps moving, and pg_up is 1
# again within a poll interval (plus the reconnect backoff, capped at that interval).
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"

start_private_cluster
work=$(mktemp -d)
on_exit "rm -rf '$work'"

port=$(free_port)
DATA_SOURCE_NAME="host=127.0.0.1 port=$PGPORT dbname=postgres user=postgres connect_timeout=2" \
  "$ME_BIN" --web.listen-address="127.0.0.1:$port" --poll.interval=1s >"$work/log" 2>&1 &
exporter=$!
on_exit "kill -9 $exporter"
base="http://127.0.0.1:$port"
wait_http "$base/readyz" 200 20
value() { scraped_value "$base" "$1"; }
wait_value() { wait_scraped "$base" "$@"; }

wait_value 'pg_up{datname="postgres"}' 1 5
pass "pg_up 1 while the server runs"

"$ME_SOURCE_DIR/tests/pg_cluster.sh" halt "$cluster"
wait_value 'pg_up{datname="postgres"}' 0 5
wait_value 'migration_exporter_collector_success{datname="postgres",collector="history"}' 0 5
before=$(value 'migration_exporter_last_poll_timestamp_seconds{datname="postgres"}')
sleep 2.2
after=$(value 'migration_exporter_last_poll_timestamp_seconds{datname="postgres"}')
python3 -c "import sys; sys.exit(0 if float('$after') > float('$before') else 1)" ||
  fail "last poll timestamp did not advance during the outage ($before -> $after)"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/metrics")" = 200 ] || fail "/metrics not served during the outage"
if grep -q '^migration_applied{' <<<"$(curl -sf "$base/metrics")"; then fail "history series kept while the database is down"; fi
pass "server down: pg_up 0, collector_success 0, /metrics 200, polls go on, no stale history"

resumed=$(date +%s%N)
"$ME_SOURCE_DIR/tests/pg_cluster.sh" resume "$cluster"
wait_value 'pg_up{datname="postgres"}' 1 4
recovery_ms=$(( ($(date +%s%N) - resumed) / 1000000 ))
curl -sf "$base/metrics" > "$work/after" && grep -q "^migration_applied{" "$work/after" || { grep -v "^#" "$work/after" | grep -v process_; cat "$work/log"; fail "history series did not come back"; }
pass "server back: pg_up 1 and history series again after ${recovery_ms}ms"

grep -q 'msg="cannot connect"' "$work/log" || fail "the outage was not logged"
[ "$(grep -c 'msg="cannot connect"' "$work/log")" -eq 1 ] || fail "the outage was logged more than once"
pass "the outage is logged once, not once per poll"
