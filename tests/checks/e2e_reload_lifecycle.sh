#!/usr/bin/env bash
# End to end, reloads (issue 13 items 2, 11, 22): POST /-/reload is off unless
# --web.enable-lifecycle and behind basic auth when on; 50 SIGHUPs or 50 concurrent posts in a
# second are coalesced into at most a few reloads and no reconnect; a rejected reload's errors go
# to the log, never to the HTTP body; an empty file is refused and the targets keep polling.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"
use_test_cluster

work=$(mktemp -d)
exporter=""
on_exit "rm -rf '$work'"
on_exit '[ -n "$exporter" ] && kill -9 "$exporter"'

cat >"$work/config.toml" <<TOML
[[targets]]
name = "main"
dsn = "host=$PGHOST port=$PGPORT dbname=postgres user=postgres"
TOML
password="reload-me-$$"
hash=$(python3 -c 'import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1<<4)))' "$password" 2>/dev/null)
[ -n "$hash" ] || fail "cannot make a bcrypt hash"
printf 'basic_auth_users:\n  admin: %s\n' "'$hash'" >"$work/web.yml"

stop() { kill -TERM "$exporter"; wait "$exporter" || true; exporter=""; }
reloads() { grep -cE 'msg="?(configuration reloaded|configuration unchanged|configuration reload rejected)' "$work/log" || true; }
connects() { grep -c 'msg=connected' "$work/log" || true; }
now_ms() { date +%s%3N; }
# Coalescing allows one reload per second of the burst, plus the one it started with and the one
# that follows it (a loaded CI machine may stretch "50 in a second" over a few seconds).
allowed() { echo $((($2 - $1 + 999) / 1000 + 2)); }

# Off by default: 403, nothing reloaded; SIGHUP still reloads.
port=$(free_port)
base="http://127.0.0.1:$port"
"$ME_BIN" --config.file="$work/config.toml" --web.listen-address="127.0.0.1:$port" --poll.interval=1s >"$work/log" 2>&1 &
exporter=$!
wait_http "$base/readyz" 200 20
[ "$(curl -s -o "$work/body" -w '%{http_code}' -X POST "$base/-/reload")" = 403 ] || fail "reload without --web.enable-lifecycle not refused"
grep -q 'web.enable-lifecycle' "$work/body" || fail "403 body does not name the flag"
[ "$(reloads)" -eq 0 ] || fail "a refused POST reloaded"
pass "POST /-/reload without --web.enable-lifecycle: 403, no reload"

# 50 SIGHUPs within a second: coalesced, and an unchanged configuration reconnects nothing.
before=$(connects)
start_ms=$(now_ms)
for _ in $(seq 50); do kill -HUP "$exporter"; sleep 0.01; done
end_ms=$(now_ms)
sleep 2.5
kill -0 "$exporter" || fail "SIGHUPs killed the exporter"
[ "$(reloads)" -ge 1 ] && [ "$(reloads)" -le "$(allowed "$start_ms" "$end_ms")" ] ||
  fail "50 SIGHUPs in $((end_ms - start_ms)) ms made $(reloads) reloads"
[ "$(connects)" -eq "$before" ] || fail "50 SIGHUPs of an unchanged file reconnected"
pass "50 SIGHUPs in $((end_ms - start_ms)) ms: $(reloads) reload(s), no reconnect"

# An empty file (a truncated write) is refused; the target keeps polling under its name.
: >"$work/config.toml.new"
cp "$work/config.toml" "$work/config.toml.good"
mv "$work/config.toml.new" "$work/config.toml"
kill -HUP "$exporter"
sleep 2.2
grep -q 'holds no settings' "$work/log" || fail "empty file not reported"
curl -sf "$base/metrics" -o "$work/metrics"
expect_metric "$work/metrics" migration_exporter_config_last_reload_successful 0
expect_metric "$work/metrics" 'pg_up{datname="postgres"}' 1
pass "an empty configuration file is refused; the configured target keeps polling"
cp "$work/config.toml.good" "$work/config.toml"
stop

# On, behind basic auth: 401 without credentials; a bad file answers 500 without its errors.
port=$(free_port)
base="http://127.0.0.1:$port"
"$ME_BIN" --config.file="$work/config.toml" --web.listen-address="127.0.0.1:$port" --poll.interval=1s \
  --web.enable-lifecycle --web.config.file="$work/web.yml" >"$work/log" 2>&1 &
exporter=$!
# The probes answer without credentials (README: TLS and basic auth); the landing page does not.
wait_http "$base/healthz" 200 20
[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/")" = 401 ] || fail "basic auth not active"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/-/reload")" = 401 ] || fail "reload without credentials not refused"
[ "$(curl -s -o /dev/null -w '%{http_code}' -u "admin:wrong" -X POST "$base/-/reload")" = 401 ] || fail "reload with a wrong password not refused"
[ "$(reloads)" -eq 0 ] || fail "an unauthenticated POST reloaded"
pass "--web.enable-lifecycle with basic auth: POST /-/reload needs the credentials"
sleep 1.1
[ "$(curl -s -o /dev/null -w '%{http_code}' -u "admin:$password" -X POST "$base/-/reload")" = 200 ] || fail "authenticated reload failed"
printf 'dsn_typo = "host=x password=Pa${S3cr3tRest"\n' >>"$work/config.toml"
sleep 1.1
[ "$(curl -s -o "$work/body" -w '%{http_code}' -u "admin:$password" -X POST "$base/-/reload")" = 500 ] || fail "bad reload not 500"
if grep -qE 'config.toml|dsn_typo|S3cr3t' "$work/body"; then cat "$work/body"; fail "the 500 body holds configuration error text"; fi
grep -q "config.toml:4:1: key 'targets\[0\].dsn_typo': unknown key" "$work/log" || { cat "$work/log"; fail "the rejected reload's errors are not in the log"; }
cp "$work/config.toml.good" "$work/config.toml"
pass "rejected reload: 500 with no error text in the body; the errors are in the log"

# 50 concurrent posts: each answered at once (200 or 202), at most a few reloads, no reconnect.
sleep 1.1
before=$(connects)
before_reloads=$(reloads)
start_ms=$(now_ms)
seq 50 | xargs -P 50 -I{} curl -s -o /dev/null -w '%{http_code}\n' -u "admin:$password" -X POST "$base/-/reload" >"$work/codes"
end_ms=$(now_ms)
sleep 2.5
[ "$(grep -cvE '^(200|202)$' "$work/codes")" -eq 0 ] || { sort "$work/codes" | uniq -c; fail "unexpected status"; }
made=$(($(reloads) - before_reloads))
[ "$made" -ge 1 ] && [ "$made" -le "$(allowed "$start_ms" "$end_ms")" ] ||
  fail "50 concurrent posts in $((end_ms - start_ms)) ms made $made reloads"
[ "$(connects)" -eq "$before" ] || fail "50 posts of an unchanged file reconnected"
[ "$(curl -s -o /dev/null -w '%{http_code}' -u "admin:$password" "$base/healthz")" = 200 ] || fail "exporter unhealthy after the burst"
pass "50 concurrent POSTs in $((end_ms - start_ms)) ms: $(sort "$work/codes" | uniq -c | tr -s ' ' | tr '\n' ';') $made reload(s), no reconnect"
stop
if grep -q 'S3cr3t' "$work/log"; then fail "a DSN fragment reached the log"; fi
