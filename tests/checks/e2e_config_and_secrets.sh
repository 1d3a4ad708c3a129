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

# Values that only fail at runtime, and DSN mistakes whose text is a password, are rejected by
# --check-config, named by key, and never echoed (issue 13 items 3, 12, 14).
check_rejects() {  # name expected-message [env...] -- reads the config from $work/case.toml
  local name=$1 expected=$2 status
  shift 2
  set +e
  env "$@" "$ME_BIN" --config.file="$work/case.toml" --check-config >"$work/case.out" 2>&1
  status=$?
  set -e
  [ "$status" -eq 1 ] || { cat "$work/case.out"; fail "$name: --check-config exited $status"; }
  grep -qF "$expected" "$work/case.out" || { cat "$work/case.out"; fail "$name: '$expected' not reported"; }
  if grep -q 'S3cr3t' "$work/case.out"; then cat "$work/case.out"; fail "$name: a secret fragment is echoed"; fi
  pass "$name: rejected by --check-config, named, not echoed"
}
printf '[collectors.history]\ninterval = "1s"\n' >"$work/case.toml"
check_rejects "DATA_SOURCE_NAME with an unescaped % in the URI password" \
  "key 'DATA_SOURCE_NAME': the DSN cannot be parsed: a '%' in the URI is not followed by two hex digits" \
  DATA_SOURCE_NAME='postgresql://u:S3cr3t%zz9@host/db'
printf '[[targets]]\nname = "a"\ndsn = "host=db password=Pa${S3cr3tRest"\n' >"$work/case.toml"
check_rejects 'a stray ${ in a DSN password' "key 'targets[0].dsn': the \${...} reference number 1 has no closing '}'"
printf '[[targets]]\nname = "a"\ndsn = "postgresql://u:S3cr3t%%zz9@host/db"\n' >"$work/case.toml"
check_rejects "a [[targets]] dsn libpq cannot parse" "key 'targets[0].dsn': the DSN cannot be parsed"
printf '[[targets]]\nname = "a"\ntime_zone = "Mars/Olympus"\n' >"$work/case.toml"
check_rejects "an unknown time_zone" "key 'targets[0].time_zone': unknown time zone"
printf '[collectors.tables]\ninclude_tables = ["orders(", "ok"]\n' >"$work/case.toml"
check_rejects "an invalid regular expression in include_tables" \
  "key 'collectors.tables.include_tables': invalid regular expression 'orders(': parentheses () not balanced"
set +e
DATA_SOURCE_NAME='postgresql://u:S3cr3t%zz9@host/db' timeout 10 "$ME_BIN" --web.listen-address=127.0.0.1:0 >"$work/start.out" 2>&1
status=$?
set -e
[ "$status" -eq 1 ] || fail "an unparsable DATA_SOURCE_NAME did not stop the start (exit $status)"
if grep -q 'S3cr3t' "$work/start.out"; then fail "the start echoed the DSN"; fi
pass "an unparsable DATA_SOURCE_NAME stops the start with exit 1, without echoing it"

# A database the tables collector cannot read is logged by the project's logger (JSON on stderr,
# honouring --log.format), once, not as plain text on stdout every poll (item 15).
port=$(free_port)
printf '[collectors.tables]\ninterval = "500ms"\ndatabases = ["no_such_db_%s"]\n' "$$" >"$work/visit.toml"
DATA_SOURCE_NAME="host=$PGHOST port=$PGPORT dbname=$db user=postgres" "$ME_BIN" --config.file="$work/visit.toml" \
  --web.listen-address="127.0.0.1:$port" --log.format=json >"$work/visit.stdout" 2>"$work/visit.stderr" &
exporter=$!
wait_http "http://127.0.0.1:$port/readyz" 200 20
sleep 2.5  # five polls of the tables collector
kill -TERM "$exporter"; wait "$exporter" || true; exporter=""
[ ! -s "$work/visit.stdout" ] || { cat "$work/visit.stdout"; fail "the exporter wrote to stdout"; }
[ "$(grep -c "no_such_db_$$" "$work/visit.stderr")" -eq 1 ] || { cat "$work/visit.stderr"; fail "the failing database was not logged exactly once"; }
grep "no_such_db_$$" "$work/visit.stderr" | python3 -c 'import json,sys; l=json.loads(sys.stdin.read()); assert l["level"]=="warn" and l["collector"]=="tables", l' ||
  fail "the failure is not a JSON warn line with the collector named"
pass "a database the visitor cannot read: one JSON warn line on stderr over five polls, nothing on stdout"

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
  --log.level=debug --web.enable-lifecycle >"$work/log" 2>&1 &
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
if grep -q "good.toml:" "$work/reload.out"; then fail "rejected reload's body quotes the errors"; fi
grep -q "good.toml:" "$work/log" || fail "rejected reload's errors are not in the log"
sleep 1.2
curl -sf "$base/metrics" -o "$work/metrics"
expect_metric "$work/metrics" "migration_exporter_config_last_reload_successful" 0
expect_metric "$work/metrics" "pg_up{datname=\"$db\",target=\"shop\"}" 1
head -n 8 "$work/good.toml.orig" >"$work/good.toml"  # only the "shop" target
sleep 1.1  # reloads are at least a second apart (coalescing)
[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/-/reload")" = 200 ] || fail "good reload not applied"
sleep 1.5
curl -sf "$base/metrics" -o "$work/metrics"
expect_metric "$work/metrics" "migration_exporter_config_last_reload_successful" 1
expect_metric "$work/metrics" "pg_up{datname=\"$db\"}" 1
if grep -q 'target="down"' "$work/metrics"; then fail "removed target still exported"; fi
pass "reload: bad file rejected (old config kept), good file applied, listener kept"
sleep 1.1
sed -i 's/interval = "1s"/interval = "1s"\ninfo_limit = 2/' "$work/good.toml"
kill -HUP "$exporter"
sleep 2
kill -0 "$exporter" || fail "SIGHUP killed the exporter"
[ "$(curl -sf "$base/metrics" | grep -c '^migration_info{')" -eq 2 ] || fail "SIGHUP did not apply info_limit = 2"
pass "SIGHUP reloads the configuration"

kill -TERM "$exporter"; wait "$exporter" || true; exporter=""
for file in "$work/bad.out" "$work/check.out" "$work/log" "$work/metrics" "$work/landing"; do
  if grep -q "$secret" "$file"; then fail "the password appears in $(basename "$file")"; fi
done
grep -q 'cannot connect' "$work/log" || fail "the down target's error was not logged"
pass "the password appears in no output, log line, metric or page"
