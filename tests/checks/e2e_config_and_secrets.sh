#!/usr/bin/env bash
# End to end: --check-config on good and bad files, flag errors, two targets (one of them down)
# with `target` labels, and a known password that must appear nowhere the process writes.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"
use_test_cluster

secret="Sup3r-Secret-pw-$$"
db="e2e_config_$$"
work=$(mktemp -d)
exporter=""
cleanup() {
  [ -n "$exporter" ] && kill -9 "$exporter" 2>/dev/null || true
  psql -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
createdb "$db"
psql -q -v ON_ERROR_STOP=1 -d "$db" -f "$ME_SOURCE_DIR/scripts/demo/seed.sql"
echo "$secret" >"$work/password"

# A bad file: every error reported with file:line:column and key, exit 1, nothing started.
cat >"$work/bad.toml" <<TOML
lock_timeout = "fast"
[[targets]]
name = "a"
dsn = "postgresql://u:$secret@127.0.0.1:1/x"
colectors = 1
TOML
set +e
"$ME_BIN" --config.file="$work/bad.toml" --check-config >"$work/bad.out" 2>&1
status=$?
set -e
[ "$status" -eq 1 ] || fail "--check-config on a bad file exited $status"
grep -q "$work/bad.toml:1:16: key 'lock_timeout': must be a positive duration" "$work/bad.out" || { cat "$work/bad.out"; fail "bad duration not reported"; }
grep -q "$work/bad.toml:5:1: key 'targets\[0\].colectors': unknown key" "$work/bad.out" || { cat "$work/bad.out"; fail "unknown key not reported"; }
pass "bad config: both errors named with file:line:column and key, exit 1"

set +e
"$ME_BIN" --no-such-flag >"$work/flag.out" 2>&1
status=$?
set -e
[ "$status" -eq 2 ] && grep -q "unknown flag '--no-such-flag'" "$work/flag.out" || fail "unknown flag: exit $status"
pass "unknown flag: exit 2 with the flag named"

port=$(free_port)
cat >"$work/good.toml" <<TOML
[collectors.history]
interval = "1s"

[[targets]]
name = "shop"
dsn = "host=$PGHOST port=$PGPORT dbname=$db user=postgres"
password_file = "$work/password"

[[targets]]
name = "down"
dsn = "postgresql://someone:$secret@127.0.0.1:1/gone?connect_timeout=1"
TOML
"$ME_BIN" --config.file="$work/good.toml" --check-config >"$work/check.out" 2>&1 || { cat "$work/check.out"; fail "good config rejected"; }
grep -q "configuration OK: 2 target(s)" "$work/check.out" || fail "--check-config summary missing"
pass "--check-config accepts the good file"

"$ME_BIN" --config.file="$work/good.toml" --web.listen-address="127.0.0.1:$port" --poll.interval=1s \
  --log.level=debug >"$work/log" 2>&1 &
exporter=$!
base="http://127.0.0.1:$port"
wait_http "$base/readyz" 200 20
sleep 2.5  # a few polls, so the down target has failed several times
curl -sf "$base/metrics" -o "$work/metrics"
curl -sf "$base/" -o "$work/landing"
expect_metric "$work/metrics" "pg_up{datname=\"$db\",target=\"shop\"}" 1
expect_metric "$work/metrics" 'pg_up{datname="gone",target="down"}' 0
grep -q "^migration_applied{datname=\"$db\",target=\"shop\",tool=\"flyway\"" "$work/metrics" || fail "no target label on history series"
unlabelled=$(grep -v '^#' "$work/metrics" | grep -E '^(pg_|migration_)' | grep -vE '^migration_exporter_(build_info|http_requests_total|config_)' |
  grep -vc 'target="' || true)
[ "$unlabelled" -eq 0 ] || fail "$unlabelled per-target series without a target label"
pass "two targets: every per-target series has a target label; the down one does not stop the other"

# Reload: a broken file is rejected and the running configuration keeps polling; a good one is
# applied (a target removed) without dropping the listener; SIGHUP reloads too.
cp "$work/good.toml" "$work/good.toml.orig"
echo 'this is = = not toml' >>"$work/good.toml"
[ "$(curl -s -o "$work/reload.out" -w '%{http_code}' -X POST "$base/-/reload")" = 500 ] || fail "bad reload not rejected"
grep -q "good.toml:" "$work/reload.out" || fail "rejected reload does not name the file"
sleep 1.2
curl -sf "$base/metrics" -o "$work/metrics"
expect_metric "$work/metrics" "migration_exporter_config_last_reload_successful" 0
expect_metric "$work/metrics" "pg_up{datname=\"$db\",target=\"shop\"}" 1
head -n 8 "$work/good.toml.orig" >"$work/good.toml"  # only the "shop" target
[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/-/reload")" = 200 ] || fail "good reload not applied"
sleep 1.5
curl -sf "$base/metrics" -o "$work/metrics"
expect_metric "$work/metrics" "migration_exporter_config_last_reload_successful" 1
expect_metric "$work/metrics" "pg_up{datname=\"$db\"}" 1
if grep -q 'target="down"' "$work/metrics"; then fail "removed target still exported"; fi
pass "reload: bad file rejected (old config kept), good file applied, listener kept"
sed -i 's/interval = "1s"/interval = "1s"\ninfo_limit = 2/' "$work/good.toml"
kill -HUP "$exporter"
sleep 1.5
kill -0 "$exporter" || fail "SIGHUP killed the exporter"
[ "$(curl -sf "$base/metrics" | grep -c '^migration_info{')" -eq 2 ] || fail "SIGHUP did not apply info_limit = 2"
pass "SIGHUP reloads the configuration"

kill -TERM "$exporter"; wait "$exporter" || true; exporter=""
for file in "$work/bad.out" "$work/check.out" "$work/log" "$work/metrics" "$work/landing"; do
  if grep -q "$secret" "$file"; then fail "the password appears in $(basename "$file")"; fi
done
grep -q 'cannot connect' "$work/log" || fail "the down target's error was not logged"
pass "the password appears in no output, log line, metric or page"
