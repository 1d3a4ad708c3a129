#!/usr/bin/env bash
# End to end, postgres_exporter's conventions (issue 17): DATA_SOURCE_URI with DATA_SOURCE_USER and
# DATA_SOURCE_PASS(_FILE) against a server that checks passwords, a DATA_SOURCE_NAME list as
# several targets, --collector.<name>/--no-collector.<name>, --web.telemetry-path, a repeated
# --web.listen-address, and --poll.interval as every collector's default.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"
start_private_cluster
work=$(mktemp -d)
on_exit "rm -rf '$work'"

password="Conv-Scram-pw-$$"
psql -q -v ON_ERROR_STOP=1 -c "SET password_encryption = 'scram-sha-256'" \
  -c "CREATE ROLE conv_monitor LOGIN PASSWORD '$password'" -c "GRANT pg_monitor TO conv_monitor" \
  -c "CREATE DATABASE second"
# Passwords checked over TCP; the local socket stays trusted for the test's own psql.
printf 'local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n' >"$cluster/data/pg_hba.conf"
psql -q -c "SELECT pg_reload_conf()" >/dev/null
printf '%s\n' "$password" >"$work/pass"
printf ' conv_monitor \n' >"$work/user"

run() {  # log-file flags... (environment from the caller); sets port, base, pid
  local log=$1
  shift
  port=$(free_port)
  base="http://127.0.0.1:$port"
  "$ME_BIN" --web.listen-address="127.0.0.1:$port" --poll.interval=1s "$@" >"$log" 2>&1 &
  pid=$!
  on_exit "kill -9 $pid"
}
stop() { kill -TERM "$pid"; wait "$pid" || true; }
uri="127.0.0.1:$PGPORT/postgres?sslmode=disable"

DATA_SOURCE_URI="$uri" DATA_SOURCE_USER_FILE="$work/user" DATA_SOURCE_PASS_FILE="$work/pass" run "$work/file.log"
wait_http "$base/readyz" 200 20
wait_scraped "$base" 'pg_up{datname="postgres"}' 1 10
stop
DATA_SOURCE_URI="$uri" DATA_SOURCE_USER=conv_monitor DATA_SOURCE_PASS="wrong-$password" run "$work/wrong.log"
wait_http "$base/readyz" 200 20
wait_scraped "$base" 'pg_up{datname="postgres"}' 0 10
stop
grep -q 'password authentication failed for user' "$work/wrong.log" || { cat "$work/wrong.log"; fail "the user from DATA_SOURCE_USER was not used"; }
DATA_SOURCE_URI="postgresql://$uri" DATA_SOURCE_USER=conv_monitor DATA_SOURCE_PASS="$password" run "$work/env.log"
wait_http "$base/readyz" 200 20
wait_scraped "$base" 'pg_up{datname="postgres"}' 1 10
stop
for log in file wrong env; do
  if grep -q "$password" "$work/$log.log"; then fail "the password is in $log.log"; fi
done
pass "DATA_SOURCE_URI + DATA_SOURCE_USER(_FILE) + DATA_SOURCE_PASS(_FILE): connects with them; a wrong password is refused; never logged"

# Over the (trusted) socket: a key=value DSN and a URI, one target each.
DATA_SOURCE_NAME="host=$PGHOST port=$PGPORT dbname=postgres user=postgres,postgresql://postgres@/second?host=$PGHOST&port=$PGPORT" \
  run "$work/list.log"
wait_http "$base/readyz" 200 20
curl -sf "$base/metrics" -o "$work/metrics"
expect_metric "$work/metrics" "pg_up{datname=\"postgres\",target=\"$PGHOST:$PGPORT/postgres\"}" 1
expect_metric "$work/metrics" "pg_up{datname=\"second\",target=\"$PGHOST:$PGPORT/second\"}" 1
pass "a comma-separated DATA_SOURCE_NAME is one target per DSN"
# The multi-target pattern: /probe?target=<name> serves that target's series alone, as a Prometheus
# job relabelling __param_target scrapes it; nothing is connected on behalf of the query string.
curl -sf "$base/probe?target=$(python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$PGHOST:$PGPORT/second")" -o "$work/probe"
expect_metric "$work/probe" "pg_up{datname=\"second\",target=\"$PGHOST:$PGPORT/second\"}" 1
grep -qF "target=\"$PGHOST:$PGPORT/postgres\"" "$work/probe" && fail "/probe?target=second served the other target's series"
grep -vqF "target=\"$PGHOST:$PGPORT/second\"" <(grep -v '^#' "$work/probe") && fail "/probe served series of no target"
grep -q '^migration_exporter_build_info' "$work/probe" && fail "/probe served the exporter's own series"
grep -q '^migration_history_up{datname="second"' "$work/probe" || grep -q '^pg_stat_database_' "$work/probe" || fail "/probe lacks the target's collector series"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/probe?target=db.example.com:5432/app")" = 404 ] || fail "an unknown probe target is not 404"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/probe")" = 400 ] || fail "/probe without target is not 400"
before=$(psql -Atc "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'")
curl -s -o /dev/null "$base/probe?target=host%3D127.0.0.1%20dbname%3Dpostgres"
[ "$(psql -Atc "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'")" -le "$before" ] || fail "a DSN in /probe's query string opened a connection"
stop
pass "/probe?target=<name>: that target's series alone; unknown target 404, none 400, a DSN in the URL connects nowhere"

export DATA_SOURCE_NAME="host=$PGHOST port=$PGPORT dbname=postgres user=postgres"
second=$(free_port)
run "$work/flags.log" --no-collector.history --web.telemetry-path=/internal/metrics \
  --web.listen-address="127.0.0.1:$second"
wait_http "http://127.0.0.1:$second/readyz" 200 20

wait_http "$base/healthz" 200 5
curl -sf "http://127.0.0.1:$second/internal/metrics" -o "$work/metrics" || fail "no metrics on the telemetry path"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/metrics")" = 404 ] || fail "/metrics still served with --web.telemetry-path"
grep -q 'collector="locks"' "$work/metrics" || fail "locks is off without being asked"
if grep -q 'collector="history"' "$work/metrics"; then fail "--no-collector.history did not disable history"; fi
stop
pass "--web.listen-address twice: both answer; --web.telemetry-path moves the metrics; --collector./--no-collector. flags"

"$ME_BIN" --poll.interval=1s --check-config >"$work/check.out"
"$ME_BIN" --check-config >"$work/check-default.out"
grep -q '    migration_progress every 1s' "$work/check.out" ||
  { cat "$work/check.out"; fail "--poll.interval=1s left migration_progress at its own default"; }
grep -q '    locks every 1s' "$work/check.out" || { cat "$work/check.out"; fail "--poll.interval=1s left locks at 15s"; }
grep -q '    migration_progress every 5s' "$work/check-default.out" ||
  fail "without --poll.interval migration_progress keeps 5s"
grep -q '    locks every 15s' "$work/check-default.out" || fail "without --poll.interval locks polls every 15s"
grep -q '    history every 15s' "$work/check-default.out" || fail "without --poll.interval history polls every 15s"
pass "--poll.interval is the default of every collector, the live ones included"

"$ME_BIN" --collector.disable-defaults --collector.indexes --check-config >"$work/only.out"
[ "$(grep -c ' every ' "$work/only.out")" -eq 1 ] && grep -q '    indexes every' "$work/only.out" ||
  { cat "$work/only.out"; fail "--collector.disable-defaults --collector.indexes"; }
pass "--collector.disable-defaults with --collector.<name>: only that collector"
