#!/usr/bin/env bash
# End to end: the exporter under a small open files limit (issue 13, item 6). Its connection cap is
# sized from RLIMIT_NOFILE, so 300 connections against `nofile 128` are refused cleanly; and when
# descriptors run out anyway (the limit lowered under a running exporter), accept() pauses and
# retries, logged once, instead of a busy loop that fills the log and both cores.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"
use_test_cluster
command -v prlimit >/dev/null || fail "prlimit missing (Debian package util-linux)"
clients="$ME_SOURCE_DIR/tests/checks/lib/http_clients.py"

work=$(mktemp -d)
exporter="" holder=""
cleanup() {
  [ -n "$holder" ] && kill -9 "$holder" 2>/dev/null || true
  [ -n "$exporter" ] && kill -9 "$exporter" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cpu_ticks() { awk '{ print $14 + $15 }' /proc/"$exporter"/stat; }

start() {  # [prlimit args...]
  port=$(free_port)
  DATA_SOURCE_NAME="host=$PGHOST port=$PGPORT dbname=postgres user=postgres" \
    "$@" "$ME_BIN" --web.listen-address="127.0.0.1:$port" --poll.interval=1s >"$work/log" 2>&1 &
  exporter=$!
  base="http://127.0.0.1:$port"
  wait_http "$base/readyz" 200 20
}

# 1. Started with nofile 128: the cap fits what the process can open.
start prlimit --nofile=128:128
grep -q 'connection limits.*max_connections=48 .*open_files_limit=128' "$work/log" ||
  { cat "$work/log"; fail "the connection cap was not sized from RLIMIT_NOFILE"; }
python3 "$clients" hold "$port" 300 4 >"$work/hold.json" &
holder=$!
sleep 1.5
before=$(cpu_ticks)
sleep 2
ticks=$(($(cpu_ticks) - before))
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$base/healthz" || true)
wait "$holder"; holder=""
failures=$(grep -c 'accept failed' "$work/log" || true)
echo "nofile 128, 300 idle connections: $(cat "$work/hold.json"), accept failures logged: $failures, CPU ${ticks} ticks in 2 s, /healthz $code"
[ "$failures" -eq 0 ] || fail "accept failed $failures times with a cap sized for the limit"
[ "$code" = 200 ] || fail "/healthz answered $code"
[ "$ticks" -lt 50 ] || fail "the exporter used ${ticks} ticks of CPU in 2 s while idle connections were held"
pass "nofile 128: cap 48, 300 connections refused cleanly, no accept failure, probes answered"
kill "$exporter"; wait "$exporter" 2>/dev/null || true

# 2. Descriptors run out under a running exporter: one log line, no busy loop, recovery.
start
prlimit --pid "$exporter" --nofile=24:  # the soft limit only: raising it back needs no privilege
python3 "$clients" hold "$port" 100 4 >"$work/hold.json" &
holder=$!
sleep 1
before=$(cpu_ticks)
sleep 2
ticks=$(($(cpu_ticks) - before))
failures=$(grep -c 'accept failed' "$work/log" || true)
echo "descriptors exhausted: accept failures logged: $failures, CPU ${ticks} ticks in 2 s"
[ "$failures" -ge 1 ] || fail "the test did not exhaust descriptors (no accept failure)"
[ "$failures" -le 2 ] || fail "accept failure logged $failures times (a busy loop)"
[ "$ticks" -lt 50 ] || fail "the exporter used ${ticks} ticks of CPU in 2 s (a busy loop)"
wait "$holder"; holder=""
prlimit --pid "$exporter" --nofile=4096:
wait_http "$base/healthz" 200 5
grep -q 'accepting connections again' "$work/log" || fail "recovery not logged"
pass "descriptors exhausted: logged once, no busy loop, serving again once descriptors are back"
