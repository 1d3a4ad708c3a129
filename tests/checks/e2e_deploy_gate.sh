#!/usr/bin/env bash
# End to end: `migration_exporter check` (the deploy gate) against real PostgreSQL scenarios on a
# cluster of its own, as the monitoring role. Each run asserts the exit code and the exact set of
# failing checks: healthy (0); an idle-in-transaction session holding a lock on a table (pre fails
# and names it); a running Flyway migration (pre); a failed Flyway row and a dirty golang-migrate
# version (pre and post); with migration sources paired, a shipped migration that did not land and
# an edited applied one (post: pending, checksum_drift); an invalid index and a NOT VALID
# constraint left behind (post); a logical slot lagging past --max-lag, with --wait recovering when
# the consumer catches up (0) and running out when it does not (1); an unreachable database and bad
# configuration (2). The password in the DSN never appears in any output. Every JSON report is
# validated against gate/check-report.schema.json (ajv), every JUnit report read by junitparser.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"
source "$(dirname "${BASH_SOURCE[0]}")/lib/flyway_checksum.bash"
started=$(date +%s)
tools=$ME_SOURCE_DIR/tests/tools/deploy
[ -x "${ME_BIN:-}" ] || fail "the exporter binary (ME_BIN=${ME_BIN:-unset}) is missing: build first"
command -v node >/dev/null || fail "node is missing (scripts/install-deps.sh installs it)"
[ -d "$tools/node_modules/ajv" ] || fail "$tools/node_modules is missing: run scripts/install-deps.sh"
# Debian's python3 (junitparser is a Debian package), not whichever python3 is first on PATH.
/usr/bin/python3 -c 'import junitparser' 2>/dev/null || fail "python3-junitparser is missing (scripts/deps/gate.sh)"

# pass with the time since the start, to see where the budget goes.
step() { pass "$* [at $(($(date +%s) - started))s]"; }
work=$(mktemp -d)
on_exit "rm -rf '$work'"
cluster=$(mktemp -d /tmp/me-gate.XXXXXX)
on_exit "'$ME_SOURCE_DIR/tests/pg_cluster.sh' stop '$cluster'"
"$ME_SOURCE_DIR/tests/pg_cluster.sh" start "$cluster" >/dev/null
set -a; source "$cluster/env"; set +a
step "cluster of its own started"
scenarios_started=$(date +%s)

secret="gate-S3cret-$$"
psql -q -v ON_ERROR_STOP=1 -c "CREATE ROLE migration_exporter LOGIN PASSWORD '$secret'" >/dev/null

flyway_table() {
  psql -q -v ON_ERROR_STOP=1 -d "$1" <<'SQL'
CREATE TABLE flyway_schema_history (
  installed_rank int PRIMARY KEY, version varchar(50), description varchar(200) NOT NULL,
  type varchar(20) NOT NULL, script varchar(1000) NOT NULL, checksum int,
  installed_by varchar(100) NOT NULL, installed_on timestamp NOT NULL DEFAULT now(),
  execution_time int NOT NULL, success boolean NOT NULL);
INSERT INTO flyway_schema_history VALUES
  (1, '1', 'create orders', 'SQL', 'V1__create_orders.sql', 1, 'deploy', now() - interval '2 days', 40, true),
  (2, '2', 'add status', 'SQL', 'V2__add_status.sql', 2, 'deploy', now() - interval '1 day', 35, true);
CREATE TABLE orders (id int PRIMARY KEY, status text);
SQL
}
# One database for every scenario, each leaving it healthy again (creating a database costs seconds
# here): a Flyway history at version 2, readable by the monitoring role.
createdb gate_app
flyway_table gate_app
psql -q -v ON_ERROR_STOP=1 -d gate_app -v role=migration_exporter \
  -f "$ME_SOURCE_DIR/deploy/sql/monitor_role.sql" >/dev/null
dsn() { echo "host=127.0.0.1 port=$PGPORT dbname=$1 user=migration_exporter password=$secret connect_timeout=3"; }

# gate NAME EXPECTED_EXIT DATABASE ARGS... — runs the gate with --output=json (plus ARGS), checks
# the exit code and that the password is nowhere in stdout or stderr; the report is $work/NAME.json.
runs=0
gate() {
  local name=$1 expected=$2 db=$3 code=0
  shift 3
  DATA_SOURCE_NAME=$(dsn "$db") "$ME_BIN" check --output=json "$@" >"$work/$name.json" 2>"$work/$name.err" || code=$?
  runs=$((runs + 1))
  if grep -q "$secret" "$work/$name.json" "$work/$name.err"; then fail "$name: the password appears in the output"; fi
  [ "$code" = "$expected" ] || { cat "$work/$name.json" "$work/$name.err" >&2; fail "$name: exit $code, expected $expected"; }
}
# failing NAME: the names of the checks that failed (or could not be evaluated), comma-joined.
failing() {
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(",".join(c["name"] for c in r["checks"] if c["result"] in ("fail","error")))' "$work/$1.json"
}
expect_failing() {
  local got
  got=$(failing "$1")
  [ "$got" = "$2" ] || { cat "$work/$1.json" >&2; fail "$1: failing checks '$got', expected '$2'"; }
}
details() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("\n".join(d for c in r["checks"] for d in c["details"]))' "$work/$1.json"; }

# --- healthy: both phases pass; the text report is a table without colour when not on a terminal.
gate healthy_pre 0 gate_app --phase=pre
expect_failing healthy_pre ""
gate healthy_post 0 gate_app --phase=post --expect-version=2
expect_failing healthy_post ""
python3 - "$work/healthy_post.json" <<'PY' || fail "healthy post report lacks the expected checks"
import json, sys
report = json.load(open(sys.argv[1]))
names = {c["name"]: c for c in report["checks"]}
assert set(names) == {"checksum_drift", "expected_version", "invalid_index", "lock_queue", "pending",
                      "replication_lag", "unresolved_failure", "unvalidated_constraint"}, names
# Without [collectors.history] sources there is nothing to compare: skipped, never passed.
assert names["pending"]["result"] == "skip" and names["checksum_drift"]["result"] == "skip", names
assert names["expected_version"]["result"] == "pass" and "at 2" in names["expected_version"]["observed"]
assert report["result"] == "pass" and report["exit_code"] == 0 and report["attempts"] == 1
PY
DATA_SOURCE_NAME=$(dsn gate_app) "$ME_BIN" check --phase=pre >"$work/healthy.txt" 2>&1 || fail "text report: exit $?"
grep -Eq '^CHECK +RESULT +OBSERVED +LIMIT$' "$work/healthy.txt" || { cat "$work/healthy.txt"; fail "no table header"; }
grep -Eq '^idle_in_transaction +pass +none +30s$' "$work/healthy.txt" || { cat "$work/healthy.txt"; fail "no idle_in_transaction row"; }
if grep -q $'\033' "$work/healthy.txt"; then fail "colour codes when stdout is not a terminal"; fi
gate wrong_version 1 gate_app --phase=post --expect-version=3
expect_failing wrong_version expected_version
step "healthy: pre 0 and post 0 (version 2 reached); --expect-version=3 fails expected_version only; plain table"

# --- an idle-in-transaction session holding a lock on orders: pre fails and names it.
fifo=$work/idle.fifo
mkfifo "$fifo"
psql -q -d gate_app <"$fifo" >/dev/null 2>&1 &
idle_psql=$!
exec 7>"$fifo"
on_exit "kill $idle_psql"
echo "SET application_name = 'stuck-worker'; BEGIN; SELECT count(*) FROM orders;" >&7
for _ in $(seq 50); do
  [ "$(psql -Atc "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'stuck-worker' AND state = 'idle in transaction' AND now() - xact_start > interval '1.2 s'")" = 1 ] && break
  sleep 0.1
done
idle_pid=$(psql -Atc "SELECT pid FROM pg_stat_activity WHERE application_name = 'stuck-worker'")
gate idle_pre 1 gate_app --phase=pre --check.idle_in_transaction.limit=1s
expect_failing idle_pre idle_in_transaction
grep -q "^pid $idle_pid user postgres application 'stuck-worker' idle in transaction, transaction open [0-9]s, holds locks on public.orders$" <<<"$(details idle_pre)" \
  || { details idle_pre; fail "the idle session is not named with its pid, user, application, age and table"; }
gate idle_long 1 gate_app --phase=pre --check.long_transaction.limit=1s --check.idle_in_transaction.limit=1h
expect_failing idle_long long_transaction
echo "COMMIT;" >&7
exec 7>&-
wait "$idle_psql" 2>/dev/null || true
gate idle_after 0 gate_app --phase=pre --check.idle_in_transaction.limit=1s
step "idle in transaction: pre fails idle_in_transaction naming pid $idle_pid, stuck-worker, public.orders; long_transaction at 1s; 0 after COMMIT"

# --- a migration running: Flyway's advisory lock for public.flyway_schema_history is held.
mkfifo "$work/running.fifo"
psql -q -d gate_app <"$work/running.fifo" >/dev/null 2>&1 &
running_psql=$!
exec 8>"$work/running.fifo"
on_exit "kill $running_psql"
echo "SELECT pg_advisory_lock(77433833903597);" >&8
for _ in $(seq 50); do
  [ "$(psql -Atc "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")" = 1 ] && break
  sleep 0.1
done
gate running_pre 1 gate_app --phase=pre
expect_failing running_pre migration_running
grep -q '^flyway public.flyway_schema_history: lock held' <<<"$(details running_pre)" || { details running_pre; fail "running migration not named"; }
exec 8>&-
wait "$running_psql" 2>/dev/null || true
gate running_after 0 gate_app --phase=pre
step "migration running: pre fails migration_running (flyway public.flyway_schema_history); 0 once the lock is gone"

# --- a failed Flyway row, and a dirty golang-migrate version: pre and post fail.
psql -q -v ON_ERROR_STOP=1 -d gate_app -c "INSERT INTO flyway_schema_history VALUES (3, '3', 'backfill', 'SQL', 'V3__backfill.sql', 3, 'deploy', now(), 900, false)"
gate failed_pre 1 gate_app --phase=pre
expect_failing failed_pre unresolved_failure
gate failed_post 1 gate_app --phase=post --expect-version=2
expect_failing failed_post unresolved_failure
psql -q -v ON_ERROR_STOP=1 -d gate_app -c "DELETE FROM flyway_schema_history WHERE NOT success"
psql -q -v ON_ERROR_STOP=1 -d gate_app -c "CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL); INSERT INTO schema_migrations VALUES (3, true); GRANT SELECT ON schema_migrations TO migration_exporter"
gate dirty_pre 1 gate_app --phase=pre
expect_failing dirty_pre unresolved_failure
grep -q '^golang-migrate public.schema_migrations: dirty at version 3$' <<<"$(details dirty_pre)" || { details dirty_pre; fail "dirty version not named"; }
gate dirty_post 1 gate_app --phase=post
expect_failing dirty_post unresolved_failure
psql -q -v ON_ERROR_STOP=1 -d gate_app -c "DROP TABLE schema_migrations"
gate repaired_pre 0 gate_app --phase=pre
step "failed Flyway row and dirty golang-migrate: pre and post fail unresolved_failure only; 0 once repaired"

# --- a deploy that did not land: the sources ship V3, whose transaction rolled back with its row.
src=$work/migrations
mkdir -p "$src"
printf 'CREATE TABLE orders (id int PRIMARY KEY);\n' >"$src/V1__create_orders.sql"
printf 'ALTER TABLE orders ADD COLUMN status text;\n' >"$src/V2__add_status.sql"
psql -q -v ON_ERROR_STOP=1 -d gate_app -c "UPDATE flyway_schema_history SET checksum = CASE version
  WHEN '1' THEN $(flyway_checksum "$src/V1__create_orders.sql") ELSE $(flyway_checksum "$src/V2__add_status.sql") END"
cat >"$work/sources.toml" <<TOML
[collectors.history]
sources = [{ tool = "flyway", path = "$src" }]
TOML
gate sources_healthy 0 gate_app --phase=post --config.file="$work/sources.toml" --expect-version=2
python3 -c 'import json,sys; r={c["name"]: c for c in json.load(open(sys.argv[1]))["checks"]}; assert r["pending"]["result"] == r["checksum_drift"]["result"] == "pass", r' \
  "$work/sources_healthy.json" || fail "with sources paired, pending and checksum_drift should pass"
printf 'ALTER TABLE orders ADD COLUMN shipped_at timestamptz;\n' >"$src/V3__add_shipped_at.sql"
gate pending_post 1 gate_app --phase=post --config.file="$work/sources.toml"
expect_failing pending_post pending
grep -qx 'flyway public.flyway_schema_history: pending 3' <<<"$(details pending_post)" || { details pending_post; fail "the pending migration is not named"; }
# Someone edits the applied V1: drift, and V3 still pending.
printf 'CREATE TABLE orders (id bigint PRIMARY KEY);\n' >"$src/V1__create_orders.sql"
gate drift_post 1 gate_app --phase=post --config.file="$work/sources.toml" --check.pending.limit=1
expect_failing drift_post checksum_drift
grep -qx 'flyway public.flyway_schema_history: drifted 1' <<<"$(details drift_post)" || { details drift_post; fail "the drifted migration is not named"; }
rm -r "$src"
gate sources_unreadable 2 gate_app --phase=post --config.file="$work/sources.toml"
expect_failing sources_unreadable checksum_drift,pending
python3 -c 'import json,sys; r={c["name"]: c for c in json.load(open(sys.argv[1]))["checks"]}; assert r["pending"]["result"] == "error", r' \
  "$work/sources_unreadable.json" || fail "unreadable sources should be an error (could not look), not a pass"
step "expected state: post fails pending naming V3, checksum_drift naming V1 (pending allowed 1); unreadable sources exit 2, not evaluated"

# --- what a migration leaves behind: an invalid index (failed CONCURRENTLY), a NOT VALID constraint.
psql -q -v ON_ERROR_STOP=1 -d gate_app -c "INSERT INTO orders VALUES (1, 'new'), (2, 'new')"
psql -q -d gate_app -c "CREATE UNIQUE INDEX CONCURRENTLY orders_status_key ON orders (status)" 2>/dev/null \
  && fail "the unique index on duplicate statuses was built"
psql -q -v ON_ERROR_STOP=1 -d gate_app -c "ALTER TABLE orders ADD CONSTRAINT orders_status_set CHECK (status <> '') NOT VALID"
gate leftovers_post 1 gate_app --phase=post
expect_failing leftovers_post invalid_index,unvalidated_constraint
grep -q '^index public.orders_status_key on orders is invalid' <<<"$(details leftovers_post)" || { details leftovers_post; fail "the invalid index is not named"; }
grep -q '^constraint orders_status_set on public.orders is NOT VALID' <<<"$(details leftovers_post)" || { details leftovers_post; fail "the constraint is not named"; }
gate leftovers_pre 0 gate_app --phase=pre
psql -q -v ON_ERROR_STOP=1 -d gate_app -c "DROP INDEX orders_status_key; ALTER TABLE orders VALIDATE CONSTRAINT orders_status_set; DELETE FROM orders"
gate leftovers_fixed 0 gate_app --phase=post
step "leftovers: post fails invalid_index and unvalidated_constraint naming both; pre unaffected; 0 once fixed"

# --- a logical slot (a CDC reader) lagging past --max-lag; --wait recovers when it catches up.
psql -q -v ON_ERROR_STOP=1 -d gate_app -c "SELECT pg_create_logical_replication_slot('gate_app_reader', 'test_decoding')" >/dev/null
psql -q -v ON_ERROR_STOP=1 -d gate_app -c "INSERT INTO orders SELECT g, repeat('x', 200) FROM generate_series(1, 5000) g" >/dev/null
gate lag_post 1 gate_app --phase=post --max-lag=256kB
expect_failing lag_post replication_lag
grep -q '^slot gate_app_reader is [0-9.]*MB behind$' <<<"$(details lag_post)" || { details lag_post; fail "lagging slot not named"; }
gate lag_no_recovery 1 gate_app --phase=post --max-lag=256kB --wait=3s --wait.interval=1s
expect_failing lag_no_recovery replication_lag
grep -q '^check: attempt 1, .*waiting for replication_lag' "$work/lag_no_recovery.err" || { cat "$work/lag_no_recovery.err"; fail "no plain progress line"; }
( sleep 2; psql -q -d gate_app -c "SELECT count(*) FROM pg_logical_slot_get_changes('gate_app_reader', NULL, NULL)" >/dev/null ) &
consumer=$!
gate lag_recovers 0 gate_app --phase=post --max-lag=256kB --wait=20s --wait.interval=500ms
wait "$consumer"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["attempts"] > 1, r["attempts"]' "$work/lag_recovers.json" \
  || fail "the recovery passed at once: the lag was not seen first"
psql -q -d gate_app -c "SELECT pg_drop_replication_slot('gate_app_reader')" >/dev/null
step "CDC lag: post fails replication_lag past 256kB; --wait=3s ends 1; --wait=20s ends 0 after the consumer catches up ($(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["attempts"])' "$work/lag_recovers.json") attempts)"

# --- could not evaluate: unreachable database, bad configuration, bad flags (all exit 2).
closed_port=$(free_port)
code=0
DATA_SOURCE_NAME="host=127.0.0.1 port=$closed_port dbname=gate_app user=migration_exporter password=$secret connect_timeout=2" \
  "$ME_BIN" check --phase=pre --output=json >"$work/unreachable.json" 2>"$work/unreachable.err" || code=$?
[ "$code" = 2 ] || fail "unreachable database: exit $code, expected 2"
if grep -q "$secret" "$work/unreachable.json" "$work/unreachable.err"; then fail "unreachable: the password appears in the output"; fi
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["result"]=="error" and all(c["result"]=="error" and c["observed"].startswith("cannot connect") for c in r["checks"]), r' \
  "$work/unreachable.json" || fail "unreachable: every check should be an error saying it cannot connect"
cat >"$work/bad.toml" <<'TOML'
[[targets]]
name = "app"
dsn = "host=127.0.0.1 dbname=gate_app"

[check.lock_queue]
limit = "many"

[check.no_such_check]
limit = 1
TOML
code=0
"$ME_BIN" check --phase=pre --config.file="$work/bad.toml" >"$work/bad.out" 2>&1 || code=$?
[ "$code" = 2 ] || { cat "$work/bad.out"; fail "bad config: exit $code, expected 2"; }
grep -q "bad.toml:6:9: key 'check.lock_queue.limit': must be a whole number" "$work/bad.out" || { cat "$work/bad.out"; fail "bad limit not reported with file:line:col and key"; }
grep -q "bad.toml:8:1: key 'check.no_such_check': unknown key" "$work/bad.out" || { cat "$work/bad.out"; fail "unknown check not reported"; }
code=0
"$ME_BIN" check --phase=sideways >"$work/bad_flag.out" 2>&1 || code=$?
[ "$code" = 2 ] && grep -q -- "key '--phase': must be pre or post" "$work/bad_flag.out" || { cat "$work/bad_flag.out"; fail "bad --phase: exit $code"; }
code=0
"$ME_BIN" check --phase=post --max-lag=300 >"$work/bad_lag.out" 2>&1 || code=$?
[ "$code" = 2 ] && grep -q -- "key '--max-lag': must be a size with its unit" "$work/bad_lag.out" || { cat "$work/bad_lag.out"; fail "--max-lag=300 (no unit): exit $code"; }
step "not evaluated: unreachable 2 (no password in output), bad [check] limit and unknown check 2 with file:line:col, bad flags 2"

# --- a config file with targets and [check], and JUnit output read by junitparser.
psql -q -v ON_ERROR_STOP=1 -d gate_app -c "INSERT INTO flyway_schema_history VALUES (3, '3', 'backfill', 'SQL', 'V3__backfill.sql', 3, 'deploy', now(), 900, false)"
cat >"$work/gate.toml" <<TOML
[[targets]]
name = "app"
dsn = "host=127.0.0.1 port=$PGPORT dbname=gate_app user=migration_exporter password=\${GATE_PASSWORD}"

[check]
wait_interval = "1s"

[check.unresolved_failure]
enabled = false
TOML
code=0
GATE_PASSWORD=$secret "$ME_BIN" check --phase=pre --config.file="$work/gate.toml" --output=junit >"$work/report.xml" 2>"$work/junit.err" || code=$?
[ "$code" = 0 ] || { cat "$work/report.xml" "$work/junit.err"; fail "[check.unresolved_failure] enabled = false: exit $code"; }
GATE_PASSWORD=$secret "$ME_BIN" check --phase=post --config.file="$work/gate.toml" --output=junit --skip=replication_lag \
  --expect-version=9 >"$work/report_fail.xml" 2>>"$work/junit.err" && fail "post with --expect-version=9 passed"
if grep -q "$secret" "$work/report.xml" "$work/report_fail.xml" "$work/junit.err"; then fail "junit: the password appears"; fi
/usr/bin/python3 - "$work/report.xml" "$work/report_fail.xml" <<'PY' || fail "junitparser did not read the reports as expected"
import sys
from junitparser import JUnitXml, Failure, Error, Skipped
passed = JUnitXml.fromfile(sys.argv[1])
cases = [case for suite in passed for case in suite]
assert len(cases) == 7 and all(case.is_passed for case in cases), [(c.name, c.result) for c in cases]
assert {c.classname for c in cases} == {"migration_exporter.check.pre.app"}
failed = JUnitXml.fromfile(sys.argv[2])
outcome = {case.name: type(case.result[0]).__name__ if case.result else "passed" for suite in failed for case in suite}
assert outcome == {"expected_version": "Failure", "lock_queue": "passed", "checksum_drift": "Skipped",
                   "pending": "Skipped", "invalid_index": "passed",
                   "unvalidated_constraint": "passed"}, outcome
PY
step "config file: [[targets]] with \${GATE_PASSWORD}, [check] section; JUnit read by junitparser (7 passing cases; a Failure for expected_version)"

node "$tools/validate_json_schema.mjs" "$ME_SOURCE_DIR/gate/check-report.schema.json" "$work"/*.json >"$work/schema.log" 2>&1 \
  || { cat "$work/schema.log"; fail "a JSON report does not match gate/check-report.schema.json"; }
step "$(cat "$work/schema.log")"
# The budget covers the scenarios; starting a cluster (initdb) is the same fixed cost for every
# check that needs one of its own.
elapsed=$(($(date +%s) - scenarios_started))
[ "$elapsed" -lt 60 ] || fail "the scenarios took ${elapsed}s (budget 60s)"
step "$runs gate runs; the scenarios took ${elapsed}s"
