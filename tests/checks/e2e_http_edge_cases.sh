#!/usr/bin/env bash
# End to end: HTTP the way real clients and bad clients send it — pipelined and half-closed
# connections, unknown methods, bodies over the limit, a slow client holding a connection — never a
# crash or a stuck worker. Runs under ASan in the sanitizer pass.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"
use_test_cluster

work=$(mktemp -d)
exporter="" slow="" trickler=""
cleanup() {
  [ -n "$slow" ] && kill -9 "$slow" 2>/dev/null || true
  [ -n "$trickler" ] && kill -9 "$trickler" 2>/dev/null || true
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

# RFC 9112/9110 details (issue 13, item 21).
reply=$(printf 'GET http://127.0.0.1:%s/healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' "$port" | raw | sed -n 1p)
grep -q '^HTTP/1.1 200' <<<"$reply" || fail "absolute-form target: '$reply'"
reply=$(printf 'GET /healthz HTTP/1.1\r\n\r\n' | raw | sed -n 1p)
grep -q '^HTTP/1.1 400' <<<"$reply" || fail "HTTP/1.1 without Host: '$reply'"
reply=$(printf 'GET /healthz HTTP/1.0\r\n\r\n' | raw | sed -n 1p)
grep -q '^HTTP/1.0 200' <<<"$reply" || fail "HTTP/1.0 without Host: '$reply'"
encoding=$(curl -s -o /dev/null -D - -H 'Accept-Encoding: gzip;q=0, *;q=0.5' "$base/metrics" | tr -d '\r' | awk -F': ' 'tolower($1) == "content-encoding" { print $2 }')
[ -z "$encoding" ] || fail "gzip;q=0, *;q=0.5 got Content-Encoding: $encoding"
code=$(curl -s -o /dev/null -w '%{http_code}' "$base/metrics?$(head -c 9000 /dev/zero | tr '\0' a)")
[ "$code" = 414 ] || fail "over-long URL: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $(head -c 9000 /dev/zero | tr '\0' a)" "$base/metrics")
[ "$code" = 431 ] || fail "over-long header: $code"
pass "absolute-form target 200, HTTP/1.1 without Host 400, gzip;q=0 beats *, long URL 414, long header 431"

# 512 clients that trickle half a request line (a byte a second, reconnecting when dropped) from
# 127.0.0.1 (issue 13, item 1). Each is dropped by the request deadline (5 s), one address gets at
# most half the slots, and probes are answered even past the cap.
clients="$ME_SOURCE_DIR/tests/checks/lib/http_clients.py"
python3 "$clients" trickle "$port" 512 10 >"$work/trickle.json" &
trickler=$!
sleep 2
worst=0
for _ in $(seq 10); do
  for probe in healthz readyz; do
    out=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 3 "$base/$probe" || true)
    [ "${out%% *}" = 200 ] || fail "/$probe during the trickle: '$out'"
    worst=$(awk -v a="$worst" -v b="${out#* }" 'BEGIN { print (b > a ? b : a) }')
  done
  sleep 0.3
done
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 --interface 127.0.0.2 "$base/metrics" || true)
[ "$code" = 200 ] || fail "/metrics from another client address during the trickle: $code"
wait "$trickler"
echo "trickle: $(cat "$work/trickle.json"), slowest probe ${worst}s"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if r["longest_closed_s"] <= 7 and r["oldest_open_s"] <= 7 and r["closed_by_server"] > 0 else 1)' "$work/trickle.json" ||
  fail "trickling connections lived longer than the 5 s request deadline"
[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$base/metrics")" = 200 ] || fail "not serving after the trickle"
pass "512 trickling clients: each dropped within 7 s, probes answered (slowest ${worst}s), another address still scraped"
