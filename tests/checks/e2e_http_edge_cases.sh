#!/usr/bin/env bash
# End to end: HTTP the way real clients and bad clients send it — pipelined and half-closed
# connections, unknown methods, bodies over the limit, a slow client holding a connection — never a
# crash or a stuck worker. Runs under ASan in the sanitizer pass.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"
use_test_cluster

work=$(mktemp -d)
exporter="" slow=""
cleanup() {
  [ -n "$slow" ] && kill -9 "$slow" 2>/dev/null || true
  [ -n "$exporter" ] && kill -9 "$exporter" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
port=$(free_port)
DATA_SOURCE_NAME="host=$PGHOST port=$PGPORT dbname=postgres user=postgres" \
  "$ME_BIN" --web.listen-address="127.0.0.1:$port" --poll.interval=1s >"$work/log" 2>&1 &
exporter=$!
base="http://127.0.0.1:$port"
wait_http "$base/readyz" 200 20
raw() { timeout 5 nc -q 2 127.0.0.1 "$port"; }

# A slow client that sends half a request line and then nothing: it must not block anyone else.
python3 -c 'import socket,sys,time; s=socket.create_connection(("127.0.0.1", int(sys.argv[1]))); s.sendall(b"GET /metr"); time.sleep(30)' "$port" &
slow=$!

replies=$(printf 'GET /healthz HTTP/1.1\r\nHost: a\r\n\r\nGET /readyz HTTP/1.1\r\nHost: a\r\n\r\nGET /nope HTTP/1.1\r\nHost: a\r\n\r\n' | raw | grep -c '^HTTP/1.1 ' || true)
[ "$replies" -eq 3 ] || fail "pipelined requests: $replies replies, expected 3"
pass "three pipelined requests, three replies in order"

reply=$(printf 'GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n' | timeout 5 nc -N 127.0.0.1 "$port" | sed -n 1p)
grep -q '^HTTP/1.1 200' <<<"$reply" || fail "half-closed connection: '$reply'"
pass "half-closed connection (client shut its write side) still gets its reply"

reply=$(printf 'BREW /metrics HTTP/1.1\r\nHost: a\r\n\r\n' | raw | sed -n 1p)
grep -q '^HTTP/1.1 405' <<<"$reply" || fail "unknown method: '$reply'"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$base/metrics")" = 405 ] || fail "DELETE should be 405"
pass "unknown and unsupported methods: 405"

head -c 100000 /dev/zero >"$work/body"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary @"$work/body" "$base/-/reload")
[ "$code" = 413 ] || fail "oversized body: $code"
reply=$(printf 'GET /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: nonsense\r\n\r\n' | raw | sed -n 1p)
grep -q '^HTTP/1.1 400' <<<"$reply" || fail "bad Content-Length: '$reply'"
reply=$(printf 'GET /metrics HTTP/9.9\r\n\r\n' | raw | sed -n 1p)
grep -q '^HTTP/1.1 400' <<<"$reply" || fail "bad version: '$reply'"
reply=$(head -c 3000 /dev/urandom | raw | sed -n 1p || true)
pass "oversized body 413, bad Content-Length and version 400, random bytes survived"

scrapers=()
for _ in $(seq 50); do
  curl -s -o /dev/null --max-time 5 "$base/metrics" &
  scrapers+=($!)
done
for pid in "${scrapers[@]}"; do wait "$pid" || fail "a concurrent scrape failed"; done
[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$base/metrics")" = 200 ] || fail "not serving after the abuse"
kill -0 "$exporter" || fail "the exporter died"
pass "50 concurrent scrapes with a slow client attached: still serving, alive"
