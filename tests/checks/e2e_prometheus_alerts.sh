#!/usr/bin/env bash
# End-to-end proof of the shipped alerts and dashboards: PostgreSQL (the suite's throwaway cluster),
# the real exporter ($ME_BIN) and a real Prometheus scraping it every second with
# alerts/migration_exporter.rules.yml loaded. Real sessions drive the scenarios (healthy; a running
# Flyway migration that blocks sessions; a lock queue behind a transaction idle in transaction; a
# Flyway migration whose ALTER waits behind an idle transaction while readers queue behind it; an
# applied Flyway migration; a failed Flyway migration and an undo; a Liquibase lock left behind by a
# crashed deploy; what a half-finished migration leaves behind (an invalid index, a NOT VALID
# constraint, a sequence near its end, a published table without replica identity, DDL typed by
# hand) while a concurrent index build runs; a stalled logical slot next to a streaming WAL receiver; an unreadable history
# table; an unreachable database; a capped slot with little safe WAL left; a hung database (a private
# cluster stopped with SIGSTOP); the exporter gone; no exporter target at all). Through Prometheus'
# HTTP API it asserts that each alert's expression is non-empty in its scenario and empty when
# healthy, that the shipped rules evaluate without error, that every dashboard panel and annotation
# query (template variables substituted) returns data in the scenario it is meant for, that
# README's duration-percentile query gives a number, that every family the rules and dashboards read
# was exported, and that the real /metrics
# bodies match the metric contract the Datadog/CloudWatch examples are checked against.
#
# Thresholds that a test cannot wait for (15 minutes of transaction, 1 GiB of WAL) are lowered in the
# expressions evaluated here, by exact text substitution listed in `fast_thresholds` below: if the
# rules change, the substitution fails loudly instead of silently testing something else. The rules
# loaded into Prometheus are the shipped file, unchanged; the exporter runs with a 1 s
# long_transaction_threshold so that its long-transaction families count seconds-old transactions.
set -euo pipefail
src=${ME_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
export ME_SOURCE_DIR=$src
tools=$src/tests/tools/grafana
# start_private_cluster and on_exit (its EXIT trap runs the registered actions, last first).
source "$src/tests/checks/lib/common.bash"
pg_bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$pg_bindir/pg_receivewal" ] || { echo "e2e_prometheus_alerts: pg_receivewal not found (install postgresql-15)" >&2; exit 1; }
started_at=$SECONDS

for tool in psql prometheus node curl jq python3 timeout; do
  command -v "$tool" >/dev/null || { echo "e2e_prometheus_alerts: $tool not found (run scripts/install-deps.sh)" >&2; exit 1; }
done
[ -d "$tools/node_modules" ] || { echo "e2e_prometheus_alerts: $tools/node_modules missing (run scripts/install-deps.sh)" >&2; exit 1; }
[ -x "${ME_BIN:-}" ] || { echo "e2e_prometheus_alerts: ME_BIN (the exporter binary) not set or not executable" >&2; exit 1; }
[ -f "${ME_PG_DIR_FILE:-}" ] || { echo "e2e_prometheus_alerts: ME_PG_DIR_FILE not set: run through ctest" >&2; exit 1; }
pg_dir=$(cat "$ME_PG_DIR_FILE")
set -a
# shellcheck source=/dev/null
source "$pg_dir/env"
set +a

tag=$$
db=me_e2e_alerts_$tag
missing_db=me_e2e_missing_$tag
hung_db=me_e2e_hung_$tag
role=me_e2e_monitor_$tag
slot=me_e2e_slot_$tag
wal_slot=me_e2e_walreceiver_$tag
work=$(mktemp -d /tmp/me-e2e-alerts.XXXXXX)
exporter_pid="" exporter2_pid="" exporter3_pid="" prometheus_pid="" receivewal_pid=""
session_pids=()
stopped_pids=()
failures=()

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
psql_db() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$db" "$@"; }
psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -At -d postgres "$@"; }

stop_pid() {
  local pid=$1
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
end_sessions() {
  # Sessions this test opened carry application_name me_e2e_<tag>_<name>; ending them ends their psql.
  psql_admin -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                 WHERE application_name LIKE 'me_e2e_${tag}_%'" >/dev/null 2>&1 || true
  local pid
  for pid in "${session_pids[@]}"; do stop_pid "$pid"; done
  session_pids=()
}
cleanup() {
  set +e
  local pid
  for pid in "${stopped_pids[@]}"; do kill -CONT "$pid" 2>/dev/null; done
  end_sessions
  stop_pid "$exporter_pid"; stop_pid "$exporter2_pid"; stop_pid "$exporter3_pid"; stop_pid "$prometheus_pid"
  stop_pid "$receivewal_pid"
  psql_admin -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name IN ('$slot', '$wal_slot')" >/dev/null 2>&1
  psql_admin -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$db'" >/dev/null 2>&1
  psql_admin -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
  psql_admin -c "DROP ROLE IF EXISTS $role" >/dev/null 2>&1
  rm -rf "$work"
}
# Registered after nothing else, and run before the private cluster's stop (registered later runs
# first there, so the cluster is resumed here beforehand).
on_exit cleanup

die() {
  echo "e2e_prometheus_alerts: $*" >&2
  for log in exporter exporter2 exporter3 prometheus; do
    [ -s "$work/$log.log" ] && { echo "--- last lines of $log.log" >&2; tail -n 30 "$work/$log.log" >&2; }
  done
  exit 1
}
fail() { failures+=("$*"); echo "  FAIL: $*" >&2; }

# ---------------------------------------------------------------- database, role and seed data
psql_admin -c "CREATE ROLE $role LOGIN IN ROLE pg_monitor" >/dev/null
psql_admin -c "CREATE DATABASE $db" >/dev/null
psql_db -f - >/dev/null <<SQL
-- Flyway's own DDL for PostgreSQL (shared/reference/migration-tools.md), and a realistic history.
CREATE TABLE "public"."flyway_schema_history" (
    "installed_rank" INT NOT NULL,
    "version" VARCHAR(50),
    "description" VARCHAR(200) NOT NULL,
    "type" VARCHAR(20) NOT NULL,
    "script" VARCHAR(1000) NOT NULL,
    "checksum" INTEGER,
    "installed_by" VARCHAR(100) NOT NULL,
    "installed_on" TIMESTAMP NOT NULL DEFAULT now(),
    "execution_time" INTEGER NOT NULL,
    "success" BOOLEAN NOT NULL
);
ALTER TABLE "public"."flyway_schema_history" ADD CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank");
CREATE INDEX "flyway_schema_history_s_idx" ON "public"."flyway_schema_history" ("success");
INSERT INTO flyway_schema_history VALUES
  (1, '1',   'create accounts',  'SQL', 'V1__create_accounts.sql',  1204937021, 'deploy', now() - interval '30 days', 85, true),
  (2, '1.1', 'add email index',  'SQL', 'V1_1__add_email_index.sql', -388190345, 'deploy', now() - interval '20 days', 60, true),
  (3, '2',   'create orders',    'SQL', 'V2__create_orders.sql',     771062811, 'deploy', now() - interval '10 days', 95, true),
  (4, NULL,  'refresh views',    'SQL', 'R__refresh_views.sql',      -12093374, 'deploy', now() - interval '5 days',  40, true),
  (5, '3',   'create events',    'SQL', 'V3__create_events.sql',     930571231, 'deploy', now() - interval '1 day',   70, true);

-- Application tables with statistics, a used and a never-scanned index.
CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX accounts_email_idx ON accounts (email);
CREATE INDEX accounts_created_at_idx ON accounts (created_at);
CREATE TABLE orders (id bigint PRIMARY KEY, account_id bigint NOT NULL, total numeric NOT NULL);
CREATE TABLE events (id bigint NOT NULL, payload text NOT NULL);
INSERT INTO accounts (id, email) SELECT g, 'user' || g || '@example.com' FROM generate_series(1, 1000) g;
INSERT INTO orders SELECT g, g % 1000 + 1, g * 1.5 FROM generate_series(1, 5000) g;
UPDATE orders SET total = total + 1 WHERE id <= 100;
DELETE FROM orders WHERE id > 4900;
VACUUM ANALYZE accounts;
VACUUM ANALYZE orders;
VACUUM ANALYZE events;
SELECT count(*) FROM accounts WHERE email = 'user5@example.com';
SELECT count(*) FROM orders;

-- Liquibase beside it (its DDL as the reference derives it), with its lock row released.
CREATE TABLE databasechangelog (
  ID VARCHAR(255) NOT NULL, AUTHOR VARCHAR(255) NOT NULL, FILENAME VARCHAR(255) NOT NULL,
  DATEEXECUTED TIMESTAMP WITHOUT TIME ZONE NOT NULL, ORDEREXECUTED INTEGER NOT NULL,
  EXECTYPE VARCHAR(10) NOT NULL, MD5SUM VARCHAR(35), DESCRIPTION VARCHAR(255), COMMENTS VARCHAR(255),
  TAG VARCHAR(255), LIQUIBASE VARCHAR(20), CONTEXTS VARCHAR(255), LABELS VARCHAR(255),
  DEPLOYMENT_ID VARCHAR(10));
CREATE TABLE databasechangeloglock (
  ID INTEGER NOT NULL, LOCKED BOOLEAN NOT NULL, LOCKGRANTED TIMESTAMP WITHOUT TIME ZONE,
  LOCKEDBY VARCHAR(255), CONSTRAINT databasechangeloglock_pkey PRIMARY KEY (ID));
INSERT INTO databasechangeloglock (ID, LOCKED) VALUES (1, FALSE);
INSERT INTO databasechangelog VALUES
  ('1', 'ana', 'db/changelog.xml', now() - interval '8 days', 1, 'EXECUTED', '9:0a1b', 'createTable tableName=audit', '', NULL, '4.25.1', NULL, NULL, '7411000001'),
  ('2', 'ana', 'db/changelog.xml', now() - interval '2 days', 2, 'EXECUTED', '9:0c2d', 'addColumn tableName=audit', '', NULL, '4.25.1', NULL, NULL, '7411000002');

GRANT SELECT ON "public"."flyway_schema_history", databasechangelog, databasechangeloglock TO $role;
SQL

# Flyway's advisory lock key for "public"."flyway_schema_history": LOCK_MAGIC_NUM + Java hashCode of the
# quoted, schema-qualified name (the reference gives 77433833903597 for this table).
flyway_key=$(node -e '
  let h = 0;
  for (const c of process.argv[1]) h = (Math.imul(31, h) + c.charCodeAt(0)) | 0;
  console.log((0x466C79776179n + BigInt(h)).toString());' '"public"."flyway_schema_history"')
[ "$flyway_key" = 77433833903597 ] || die "Flyway lock key computed as $flyway_key, the reference says 77433833903597"

# The migration files of that history, paired with it (sources): checksums recorded as Flyway
# computes them, so the healthy database has nothing pending, edited or missing.
mkdir -p "$work/migrations"
printf 'CREATE TABLE accounts (id bigint PRIMARY KEY);\n' >"$work/migrations/V1__create_accounts.sql"
printf 'CREATE INDEX ON accounts (id);\n' >"$work/migrations/V1_1__add_email_index.sql"
printf 'CREATE TABLE orders (id bigint PRIMARY KEY);\n' >"$work/migrations/V2__create_orders.sql"
printf 'CREATE OR REPLACE VIEW v AS SELECT 1;\n' >"$work/migrations/R__refresh_views.sql"
printf 'CREATE TABLE events (id bigint PRIMARY KEY);\n' >"$work/migrations/V3__create_events.sql"
flyway_checksum() { python3 -c '
import re, sys, zlib
text = open(sys.argv[1], encoding="utf-8").read().lstrip("\ufeff")
crc = 0
for line in re.split(r"\r\n|\r|\n", text): crc = zlib.crc32(line.encode(), crc)
print(crc - (1 << 32) if crc >= 1 << 31 else crc)' "$1"; }
for script in V1__create_accounts.sql V1_1__add_email_index.sql V2__create_orders.sql R__refresh_views.sql V3__create_events.sql; do
  psql_db -c "UPDATE flyway_schema_history SET checksum = $(flyway_checksum "$work/migrations/$script") WHERE script = '$script'" >/dev/null
done

# ---------------------------------------------------------------- exporter and Prometheus
# Collector settings only (no [[targets]]): the one target comes from DATA_SOURCE_NAME.
cat >"$work/exporter.toml" <<TOML
[collectors.activity]
long_transaction_threshold = "1s"
[collectors.history]
sources = [{ tool = "flyway", path = "$work/migrations" }]
TOML
start_exporter() { # <port> <dbname> <log> -> prints pid
  env -u PGUSER -u PGDATABASE -u PGHOST -u PGPORT \
    DATA_SOURCE_NAME="host=$PGHOST port=$PGPORT dbname=$2 user=$role" \
    timeout 900 "$ME_BIN" --config.file="$work/exporter.toml" --web.listen-address="127.0.0.1:$1" \
    --poll.interval=1s >"$3" 2>&1 &
  echo $!
}
exporter_port=$(free_port)
exporter_pid=$(start_exporter "$exporter_port" "$db" "$work/exporter.log")
for _ in $(seq 1 300); do
  curl -fsS "http://127.0.0.1:$exporter_port/readyz" >/dev/null 2>&1 && break
  kill -0 "$exporter_pid" 2>/dev/null || die "the exporter exited"
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$exporter_port/readyz" >/dev/null || die "the exporter never became ready"

prom_port=$(free_port)
prom=http://127.0.0.1:$prom_port
write_targets() { # targets as arguments ("host:port" ...)
  local json
  json=$(printf '%s\n' "$@" | jq -R . | jq -cs 'map(select(length > 0)) | [{targets: ., labels: {}}] | map(select(.targets | length > 0))')
  echo "$json" >"$work/targets.json.tmp" && mv "$work/targets.json.tmp" "$work/targets.json"
}
write_targets "127.0.0.1:$exporter_port"
cat >"$work/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - $src/alerts/migration_exporter.rules.yml
scrape_configs:
  - job_name: migration_exporter
    file_sd_configs:
      - files: [$work/targets.json]
        refresh_interval: 1s
YAML
timeout 900 prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" --log.level=warn >"$work/prometheus.log" 2>&1 &
prometheus_pid=$!
prometheus_started=$SECONDS
for _ in $(seq 1 300); do
  curl -fsS "$prom/-/ready" >/dev/null 2>&1 && break
  kill -0 "$prometheus_pid" 2>/dev/null || die "Prometheus exited"
  sleep 0.2
done

# Instant query; prints the result array. A query Prometheus rejects is a test failure, not "empty".
query() {
  local out
  out=$(curl -sS --get --data-urlencode "query=$1" "$prom/api/v1/query") || die "Prometheus did not answer"
  [ "$(jq -r .status <<<"$out")" = success ] || die "Prometheus rejected ${1@Q}: $(jq -r .error <<<"$out")"
  jq -c '.data.result' <<<"$out"
}
# Results that belong to this test: the exporter sees the whole cluster (other tests' databases and
# slots run beside it), so series of other databases or other slots are not ours.
ours() {
  query "$1" | jq --arg db "$db" --arg missing "$missing_db" --arg hung "$hung_db" --arg slot "$slot" \
    '[.[] | select((.metric.datname // "") as $d | $d == "" or $d == $db or $d == $missing or $d == $hung)
          | select((.metric.slot_name // $slot) == $slot)] | length'
}
wait_for() { # <seconds> <command...>: retry until the command succeeds
  local seconds=$1; shift
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.5
  done
}
up_is() { [ "$(query "up{job=\"migration_exporter\",instance=\"127.0.0.1:$exporter_port\"} == $1" | jq length)" -gt 0 ]; }
wait_for 60 up_is 1 || die "Prometheus never scraped the exporter"

# ---------------------------------------------------------------- alert expressions
declare -A alert_expr=()
alert_names=()
while IFS= read -r line; do
  name=$(jq -r .alert <<<"$line")
  alert_names+=("$name")
  alert_expr[$name]=$(jq -r .expr <<<"$line")
done < <(node "$tools/lib/alert-rules.mjs" "$src" --exprs)
[ ${#alert_names[@]} -gt 0 ] || die "no alerts read from the rules"

# Lowered thresholds for the expressions evaluated here (from|to; the text must occur in the rule).
declare -A fast_thresholds=(
  [MigrationRolledBack]="offset 30m|offset 15s"
  [MigrationRunningTooLong]="> 600)|> 3)"
  [MigrationBlockingSessions]="> 10|> 2"
  [MigrationWaitingForLock]="> 60|> 2"
  [MigrationExporterSnapshotStale]="> 300|> 5"
  [MigrationExporterPostgreSQLLockQueueWithoutMigration]="> 60 or|> 2 or"
  [MigrationExporterPostgreSQLLongRunningTransaction]="> 900|> 2"
  [MigrationExporterPostgreSQLIdleInTransaction]="> 300|> 2"
  [MigrationExporterPostgreSQLReplicationSlotLagging]="> 1073741824|> 1048576"
  [MigrationUnmanagedSchemaChange]="[1h]|[30s]"
)
for name in "${!fast_thresholds[@]}"; do
  [ -n "${alert_expr[$name]:-}" ] || die "fast_thresholds names $name, which the rules do not define"
  from=${fast_thresholds[$name]%%|*} to=${fast_thresholds[$name]#*|}
  [[ ${alert_expr[$name]} == *"$from"* ]] || die "the rule $name no longer contains '$from': update fast_thresholds"
  alert_expr[$name]=${alert_expr[$name]/"$from"/"$to"}
done

# ---------------------------------------------------------------- dashboard queries
# Each panel query is meant for one scenario (default: healthy, where the history, tables, sessions
# and exporter series exist); the ones that need a situation to have data say which.
panel_scenario() { # <dashboard uid> <panel title> <refId>
  case "$1|$2|$3" in
    "migration-exporter-overview|Time since the last migration|B") echo failed ;;
    "migration-exporter-overview|Pending and drifted migrations|"*) echo failed ;;
    "migration-exporter-overview|Longest wait behind a migration|"*) echo blocking ;;
    "migration-exporter-overview|Migration running time|"*) echo blocking ;;
    "migration-exporter-overview|Sessions blocked by the migration|"*) echo blocking ;;
    "migration-exporter-overview|Longest wait behind the migration|"*) echo blocking ;;
    "migration-exporter-overview|Lock requests waiting, by mode and type|"*) echo blocking ;;
    "migration-exporter-overview|Migration waiting for a lock|"*) echo migration_waits ;;
    "migration-exporter-overview|Stale migration locks|"*) echo stale_lock ;;
    "migration-exporter-overview|DDL progress|"*) echo schema ;;
    "migration-exporter-locks-activity|Lock requests waiting, by mode and type|"*) echo lock_queue ;;
    "migration-exporter-locks-activity|Longest lock wait|"*) echo lock_queue ;;
    "migration-exporter-locks-activity|Blocked sessions|"*) echo lock_queue ;;
    "migration-exporter-locks-activity|Long-running transactions|"*) echo lock_queue ;;
    "migration-exporter-locks-activity|Idle in transaction|"*) echo lock_queue ;;
    "migration-exporter-locks-activity|Sessions idle in transaction|"*) echo lock_queue ;;
    "migration-exporter-locks-activity|Oldest idle in transaction|"*) echo lock_queue ;;
    "migration-exporter-locks-activity|Blocking chain depth|"*) echo lock_queue ;;
    "migration-exporter-locks-activity|Sessions waiting, by wait event type|"*) echo lock_queue ;;
    "migration-exporter-locks-activity|Oldest long-running transaction|"*) echo lock_queue ;;
    "migration-exporter-tables|Replication slots|"*) echo slot ;;
    "migration-exporter-tables|Slot lag|"*) echo slot ;;
    "migration-exporter-tables|Slot consumer connected|"*) echo slot ;;
    "migration-exporter-tables|Replica lag (bytes)|"*) echo slot ;;
    "migration-exporter-tables|Replica lag (time)|"*) echo slot ;;
    # The migration-event annotations of every dashboard.
    *"|Migrations applied|annotation") echo applied ;;
    *"|Migrations failed|annotation" | *"|Migrations rolled back|annotation") echo failed ;;
    *) echo healthy ;;
  esac
}
panel_queries=()
while IFS= read -r line; do panel_queries+=("$line"); done < <(
  node "$tools/lib/dashboards.mjs" queries "$src/grafana/dashboards" \
    datasource=prometheus job='.*' cluster='.*' instance='.*' target='.*' datname="$db" tool='.*' \
    __rate_interval=15s __interval=1s __range=5m)
[ ${#panel_queries[@]} -gt 0 ] || die "no dashboard queries read"
# Each query's scenario and its text, worked out once (jq per line is slow enough to matter here).
panel_for=() panel_label=() panel_expr=()
while IFS=$'\t' read -r uid title ref; do
  panel_for+=("$(panel_scenario "$uid" "$title" "$ref")")
  panel_label+=("$uid \"$title\" $ref")
done < <(printf '%s\n' "${panel_queries[@]}" | jq -r '[.uid, .title, .refId] | @tsv')
while IFS= read -r expr; do panel_expr+=("$expr"); done < <(printf '%s\n' "${panel_queries[@]}" | jq -r '.expr')
[ ${#panel_for[@]} -eq ${#panel_queries[@]} ] && [ ${#panel_expr[@]} -eq ${#panel_queries[@]} ] \
  || die "dashboard queries could not be read one per line"
panels_checked=0

check_panels() { # <scenario>: every query meant for it returns data (retried while series appear)
  local scenario=$1 i expr missing=()
  local deadline=$((SECONDS + 45))
  for i in "${!panel_for[@]}"; do
    [ "${panel_for[$i]}" = "$scenario" ] || continue
    expr=${panel_expr[$i]}
    until [ "$(query "$expr" | jq length)" -gt 0 ]; do
      if [ $SECONDS -ge $deadline ]; then missing+=("${panel_label[$i]}: $expr"); break; fi
      sleep 0.5
    done
    panels_checked=$((panels_checked + 1))
  done
  echo "  [$scenario] dashboard queries for it checked ($((SECONDS - scenario_started))s into the scenario)"
  local m
  for m in "${missing[@]}"; do fail "[$scenario] panel query returned no data: $m"; done
}

check_rule_health() { # <scenario>: the shipped rules evaluate without error against real series
  local errors
  errors=$(curl -fsS "$prom/api/v1/rules" | jq -r '.data.groups[].rules[] | select(.health == "err") | "\(.name): \(.lastError)"')
  [ -z "$errors" ] || fail "[$1] rules evaluate with errors: $errors"
}

in_list() { local x=$1; shift; local y; for y in "$@"; do [ "$x" = "$y" ] && return 0; done; return 1; }
alert_nonempty() { [ "$(ours "${alert_expr[$1]}")" -gt 0 ]; }
alert_empty() { [ "$(ours "${alert_expr[$1]}")" -eq 0 ]; }
alerts_proven=()

# check_alerts <scenario> <firing alerts, space-separated> <alerts allowed either way>
# The firing alerts share one deadline, so a scenario costs at most 90 s however many are missing.
check_alerts() {
  local scenario=$1 fire=() may=() name deadline=$((SECONDS + 90))
  read -r -a fire <<<"$2"
  read -r -a may <<<"${3:-}"
  for name in "${fire[@]}"; do
    until alert_nonempty "$name" || [ $SECONDS -ge $deadline ]; do sleep 0.5; done
    if alert_nonempty "$name"; then
      alerts_proven+=("$name")
      echo "  [$scenario] $name: expression non-empty ($((SECONDS - scenario_started))s into the scenario)"
    else
      fail "[$scenario] $name: expression stayed empty: ${alert_expr[$name]}"
    fi
  done
  for name in "${alert_names[@]}"; do
    in_list "$name" "${fire[@]}" "${may[@]}" && continue
    alert_empty "$name" || fail "[$scenario] $name: expression non-empty but it should be silent here: $(query "${alert_expr[$name]}")"
  done
  for name in "${may[@]}"; do
    if alert_nonempty "$name"; then echo "  [$scenario] $name: non-empty too (allowed)"; fi
  done
}
# The shipped rule itself (not only its expression) went pending or firing.
alert_state_seen() { [ "$(ours "ALERTS{alertname=\"$1\"}")" -gt 0 ]; }
check_alert_state() { # <scenario> <alertname>
  local got
  if wait_for 30 alert_state_seen "$2"; then
    got=$(query "ALERTS{alertname=\"$2\"}" | jq -r '[.[].metric.alertstate] | unique | join(",")')
    echo "  [$1] shipped rule $2 is $got in Prometheus"
  else
    fail "[$1] the shipped rule $2 never went pending or firing"
  fi
}
wait_resolved() { # <scenario> <alerts...>: after the situation ends, the expressions empty again
  local scenario=$1 name deadline=$((SECONDS + 90)); shift
  for name in "$@"; do
    in_list "$name" "${alerts_proven[@]}" || continue   # never fired: nothing to resolve
    until alert_empty "$name" || [ $SECONDS -ge $deadline ]; do sleep 0.5; done
    alert_empty "$name" || fail "[$scenario] $name did not resolve after the scenario ended"
  done
}
session() { # <name> <seconds>: a psql session running the SQL on stdin, then kept open (idle) up to
  # <seconds>. Fed through a FIFO so that both ends are processes of ours that end by themselves.
  local name=$1 seconds=$2 sql
  sql=$(cat)
  mkfifo "$work/$name.fifo"
  PGAPPNAME="me_e2e_${tag}_$name" timeout $((seconds + 30)) psql -X -q -d "$db" <"$work/$name.fifo" >/dev/null 2>&1 &
  session_pids+=($!)
  { printf '%s\n' "$sql"; exec sleep "$seconds"; } >"$work/$name.fifo" 2>/dev/null &
  session_pids+=($!)
}
exclusive_lock_granted() { # <table>
  [ "$(psql_db -c "SELECT count(*) FROM pg_locks WHERE locktype = 'relation' AND relation = '$1'::regclass
                   AND mode = 'AccessExclusiveLock' AND granted")" -ge 1 ]
}
idle_in_transaction() { # <session name>: that session is idle in transaction
  [ "$(psql_db -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'me_e2e_${tag}_$1' AND state = 'idle in transaction'")" -ge 1 ]
}
sessions_waiting_named() { # <session name> <count>
  [ "$(psql_db -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'me_e2e_${tag}_$1' AND wait_event_type = 'Lock'")" -ge "$2" ]
}
sessions_waiting() { # <count>: that many of our sessions wait for a lock
  [ "$(psql_db -c "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'me_e2e_${tag}_reader%' AND wait_event_type = 'Lock'")" -ge "$1" ]
}

# ---------------------------------------------------------------- scenarios
scenario_started=$SECONDS
scenario_times=()
scenario() { # <name> <what>: starts timing a scenario (the previous one ends here)
  scenario_done
  current_scenario=$1
  scenario_started=$SECONDS
  echo "scenario $1: $2"
}
current_scenario=""
scenario_done() {
  [ -z "$current_scenario" ] || scenario_times+=("$current_scenario $((SECONDS - scenario_started))s")
  current_scenario=""
}
save_body() { # <name>: keeps the exporter's /metrics body for the contract check
  curl -fsS "http://127.0.0.1:$exporter_port/metrics" >"$work/body.$1.txt" || fail "[$1] could not save /metrics"
}

scenario healthy "history (Flyway and Liquibase), tables and sessions at rest"
check_panels healthy
check_alerts healthy ""
check_rule_health healthy
save_body healthy
# README's p95 of a history table's recorded durations reads the bucket gauges as they are: the
# seeded Flyway runs took 40-95 ms, so it lies in (0, 0.1]. rate() over the same buckets is 0 and
# its quantile NaN, which is why README does not use it.
p95=$(query "histogram_quantile(0.95, max by (job, target, datname, tool, schema, table, le) (migration_duration_seconds_bucket{datname=\"$db\",tool=\"flyway\"}))" | jq -r '.[0].value[1] // "none"')
awk -v v="$p95" 'BEGIN { exit !(v + 0 > 0 && v + 0 <= 0.1) }' \
  || fail "[healthy] README's p95 query gave $p95, not a duration in (0, 0.1]"
rated=$(query "histogram_quantile(0.95, rate(migration_duration_seconds_bucket{datname=\"$db\",tool=\"flyway\"}[30d]))" | jq -r '.[0].value[1] // "none"')
[ "$rated" = "NaN" ] || [ "$rated" = "none" ] || fail "[healthy] the rate() form was expected to give NaN, gave $rated"
echo "  [healthy] README's p95 query: ${p95}s (the rate() form: $rated)"

scenario applied "a Flyway migration was applied"
# The annotations compare migration_applied with its value a minute ago: that minute of history
# must exist before the migration lands, however fast the scenarios before ran.
while [ $((SECONDS - prometheus_started)) -lt 65 ]; do sleep 1; done
psql_db -c "INSERT INTO flyway_schema_history VALUES (6, '3.1', 'add events index', 'SQL', 'V3_1__add_events_index.sql', 4411, 'deploy', now(), 50, true)" >/dev/null
check_panels applied
check_alerts applied ""

scenario blocking "a Flyway migration holds its lock and an ACCESS EXCLUSIVE lock while it works; readers queue"
session migration 300 <<SQL
BEGIN;
SELECT pg_advisory_xact_lock($flyway_key);
LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE;
SELECT pg_sleep(300);
SQL
wait_for 30 exclusive_lock_granted accounts || die "the migration session did not take its lock"
printf 'SELECT count(*) FROM accounts;\n' | session reader1 120
printf 'SELECT count(*) FROM accounts;\n' | session reader2 120
wait_for 30 sessions_waiting 2 || die "the readers did not queue behind the migration"
# The migration works (it waits for nobody), so MigrationWaitingForLock and the lock-queue alert stay silent.
check_alerts blocking "MigrationBlockingSessions MigrationRunningTooLong MigrationExporterPostgreSQLLongRunningTransaction"
check_panels blocking
check_rule_health blocking
save_body blocking
end_sessions
wait_resolved blocking MigrationBlockingSessions MigrationRunningTooLong MigrationExporterPostgreSQLLongRunningTransaction

scenario lock_queue "a transaction idle in transaction holds ACCESS EXCLUSIVE on orders; no migration"
session idler 300 <<SQL
BEGIN;
LOCK TABLE orders IN ACCESS EXCLUSIVE MODE;
SQL
wait_for 30 exclusive_lock_granted orders || die "the idle session did not take its lock"
printf 'SELECT count(*) FROM orders;\n' | session reader3 120
printf 'SELECT count(*) FROM orders;\n' | session reader4 120
wait_for 30 sessions_waiting 2 || die "the readers did not queue behind the idle transaction"
check_alerts lock_queue "MigrationExporterPostgreSQLLockQueueWithoutMigration MigrationExporterPostgreSQLIdleInTransaction MigrationExporterPostgreSQLLongRunningTransaction"
check_panels lock_queue
check_rule_health lock_queue
end_sessions
wait_resolved lock_queue MigrationExporterPostgreSQLLockQueueWithoutMigration MigrationExporterPostgreSQLIdleInTransaction MigrationExporterPostgreSQLLongRunningTransaction

scenario migration_waits "the classic incident: a Flyway migration's ALTER waits behind a transaction idle in transaction, readers queue behind the ALTER"
session idler2 300 <<SQL
BEGIN;
SELECT count(*) FROM events;
SQL
wait_for 30 idle_in_transaction idler2 || die "the idle session did not open its transaction"
session migration2 300 <<SQL
BEGIN;
SELECT pg_advisory_xact_lock($flyway_key);
ALTER TABLE events ADD COLUMN note text;
SQL
wait_for 30 sessions_waiting_named migration2 1 || die "the migration's ALTER did not queue behind the idle transaction"
printf 'SELECT count(*) FROM events;\n' | session reader5 120
printf 'SELECT count(*) FROM events;\n' | session reader6 120
wait_for 30 sessions_waiting 2 || die "the readers did not queue behind the migration"
# A migration holds its lock, so the lock queue is the migration's alerts' business, not MigrationExporterPostgreSQLLockQueueWithoutMigration's.
check_alerts migration_waits "MigrationWaitingForLock MigrationBlockingSessions MigrationRunningTooLong MigrationExporterPostgreSQLIdleInTransaction MigrationExporterPostgreSQLLongRunningTransaction"
check_alert_state migration_waits MigrationBlockingSessions
check_panels migration_waits
check_rule_health migration_waits
end_sessions
wait_resolved migration_waits MigrationWaitingForLock MigrationBlockingSessions MigrationRunningTooLong MigrationExporterPostgreSQLIdleInTransaction MigrationExporterPostgreSQLLongRunningTransaction

scenario failed "a non-transactional Flyway migration failed, and an undo was recorded"
psql_db >/dev/null <<'SQL'
INSERT INTO flyway_schema_history VALUES
  (7, '4', 'index events concurrently', 'SQL', 'V4__index_events_concurrently.sql', 58833281, 'deploy', now(), 1500, false),
  (8, '3', 'create events', 'UNDO_SQL', 'U3__create_events.sql', -1902012451, 'deploy', now(), 30, true);
SQL
# The undone V3 is pending again (its file is still shipped).
check_alerts failed "MigrationFailed MigrationRolledBack MigrationPending"
check_alert_state failed MigrationFailed
check_panels failed
check_rule_health failed
save_body failed
# `flyway repair` removes the failed row and V3 is applied again: the failure and pending alerts
# resolve, the rollback one after its window.
psql_db >/dev/null <<SQL
DELETE FROM flyway_schema_history WHERE NOT success;
INSERT INTO flyway_schema_history VALUES (9, '3', 'create events', 'SQL', 'V3__create_events.sql',
  $(flyway_checksum "$work/migrations/V3__create_events.sql"), 'deploy', now(), 70, true);
SQL
wait_resolved failed MigrationFailed MigrationRolledBack MigrationPending

scenario stale_lock "a Liquibase deploy crashed an hour ago and left databasechangeloglock set"
psql_db -c "UPDATE databasechangeloglock SET locked = true, lockgranted = now() - interval '1 hour',
            lockedby = 'deploy-7f9c4 (10.255.0.7)' WHERE id = 1" >/dev/null
check_alerts stale_lock "MigrationLockStale"
check_panels stale_lock
check_rule_health stale_lock
save_body stale_lock
# `liquibase release-locks`
psql_db -c "UPDATE databasechangeloglock SET locked = false, lockgranted = NULL, lockedby = NULL WHERE id = 1" >/dev/null
wait_resolved stale_lock MigrationLockStale

scenario schema "a half-finished migration left an invalid index, a NOT VALID constraint, a sequence at 93%, a published table without replica identity and a hand-made ALTER; a concurrent index build runs"
psql_db >/dev/null <<SQL
CREATE TABLE signups (id serial PRIMARY KEY, email text NOT NULL, quantity int NOT NULL DEFAULT 1);
INSERT INTO signups (email) SELECT 'same@example.com' FROM generate_series(1, 50);
GRANT SELECT ON SEQUENCE signups_id_seq TO $role;
SELECT setval('signups_id_seq', 2000000000);
CREATE TABLE cdc_events (payload text);
CREATE PUBLICATION me_e2e_pub_$tag FOR TABLE cdc_events;
ALTER TABLE signups ADD CONSTRAINT signups_quantity_positive CHECK (quantity > 0) NOT VALID;
SQL
# Fails on the duplicate emails and leaves its index behind, invalid.
psql_db -c "CREATE UNIQUE INDEX CONCURRENTLY signups_email_key ON signups (email)" >/dev/null 2>&1 || true
# A build that runs (waiting for a writer) is shown in progress, and not as an invalid index.
session writer 300 <<SQL
BEGIN;
INSERT INTO accounts (id, email) VALUES (1000001, 'writer@example.com');
SELECT pg_sleep(300);
SQL
writer_sleeping() {
  [ "$(psql_db -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'me_e2e_${tag}_writer' AND wait_event = 'PgSleep'")" -ge 1 ]
}
wait_for 30 writer_sleeping || die "the writer did not open its transaction"
session builder 300 <<SQL
CREATE INDEX CONCURRENTLY accounts_email_created_idx ON accounts (email, created_at);
SQL
wait_for 30 sessions_waiting_named builder 1 || die "the concurrent index build did not wait for the writer"
# The hand-made change is counted once, a poll after it is seen, and shows for the lowered
# window only: it is checked first.
check_alerts schema "MigrationUnmanagedSchemaChange MigrationInvalidIndexLeftBehind MigrationConstraintNotValidated MigrationExporterPostgreSQLSequenceNearExhaustion MigrationExporterPostgreSQLPublishedTableWithoutReplicaIdentity" \
  "MigrationExporterPostgreSQLLockQueueWithoutMigration MigrationExporterPostgreSQLLongRunningTransaction"
[ "$(query 'pg_schema_invalid_indexes{datname="'"$db"'"}' | jq -r '.[0].value[1]')" = 1 ] \
  || fail "[schema] the running concurrent build was counted as an invalid index"
check_panels schema
check_rule_health schema
save_body schema
end_sessions
unmanaged_count() { curl -fsS "http://127.0.0.1:$exporter_port/metrics" | awk '$1 ~ /^pg_schema_unmanaged_changes_total/ { print $2 }'; }
before=$(unmanaged_count)
psql_db >/dev/null <<SQL
DROP INDEX signups_email_key;
DROP INDEX IF EXISTS accounts_email_created_idx;
ALTER TABLE signups VALIDATE CONSTRAINT signups_quantity_positive;
SELECT setval('signups_id_seq', 100);
ALTER TABLE cdc_events REPLICA IDENTITY FULL;
SQL
# The clean-up is DDL by hand too: once it is counted, the alert may resolve.
counted_since() { [ "$(unmanaged_count)" != "$1" ]; }
wait_for 30 counted_since "$before" || fail "[schema] the clean-up DDL was not counted as an unmanaged change"
wait_resolved schema MigrationInvalidIndexLeftBehind MigrationConstraintNotValidated MigrationExporterPostgreSQLSequenceNearExhaustion MigrationExporterPostgreSQLPublishedTableWithoutReplicaIdentity MigrationUnmanagedSchemaChange

scenario slot "a logical replication slot (CDC) without consumer while WAL is written; a WAL receiver streams beside it"
psql_admin -c "SELECT pg_create_physical_replication_slot('$wal_slot', true)" >/dev/null
mkdir "$work/wal"
timeout 600 "$pg_bindir/pg_receivewal" -D "$work/wal" -S "$wal_slot" --synchronous -n >"$work/receivewal.log" 2>&1 &
receivewal_pid=$!
psql_db -c "SELECT pg_create_logical_replication_slot('$slot', 'test_decoding')" >/dev/null
psql_db -c "INSERT INTO events SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g" >/dev/null
check_alerts slot "MigrationExporterPostgreSQLReplicationSlotInactive MigrationExporterPostgreSQLReplicationSlotLagging"
check_alert_state slot MigrationExporterPostgreSQLReplicationSlotInactive
check_panels slot
check_rule_health slot
save_body slot
stop_pid "$receivewal_pid"; receivewal_pid=""
psql_admin -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name IN ('$slot', '$wal_slot')" >/dev/null
wait_resolved slot MigrationExporterPostgreSQLReplicationSlotInactive MigrationExporterPostgreSQLReplicationSlotLagging

scenario history_unreadable "the monitoring role lost SELECT on the history table"
psql_db -c "REVOKE SELECT ON flyway_schema_history FROM $role" >/dev/null
check_alerts history_unreadable "MigrationHistoryUnreadable" "MigrationExporterCollectorFailing"
check_rule_health history_unreadable
psql_db -c "GRANT SELECT ON flyway_schema_history TO $role" >/dev/null
wait_resolved history_unreadable MigrationHistoryUnreadable

scenario pg_down "a second exporter whose database does not exist"
exporter2_port=$(free_port)
exporter2_pid=$(start_exporter "$exporter2_port" "$missing_db" "$work/exporter2.log")
wait_for 30 curl -fsS -o /dev/null --stderr /dev/null "http://127.0.0.1:$exporter2_port/metrics" || die "the second exporter did not serve /metrics"
write_targets "127.0.0.1:$exporter_port" "127.0.0.1:$exporter2_port"
# Without a connection every collector of that exporter fails its polls: the collector alert's
# expression is non-empty too (Alertmanager inhibits it behind MigrationExporterPostgreSQLDown: tests/checks/alertmanager.sh).
check_alerts pg_down "MigrationExporterPostgreSQLDown MigrationExporterCollectorFailing" "MigrationHistoryUnreadable"
check_alert_state pg_down MigrationExporterPostgreSQLDown
check_rule_health pg_down
write_targets "127.0.0.1:$exporter_port"
stop_pid "$exporter2_pid"; exporter2_pid=""
wait_resolved pg_down MigrationExporterPostgreSQLDown

scenario snapshot_stale "a private cluster hangs (SIGSTOP) under an exporter whose statement_timeout is 60 s"
# The shared cluster must not hang (other checks use it): this one gets its own. With the default 5 s
# statement_timeout a hung database turns into pg_up 0 within 7 s (MigrationExporterPostgreSQLDown's case); a poll
# round only stays unfinished for long, and the snapshot goes stale, when a statement may wait that
# long. The expression's 300 s is lowered to 5 s here.
start_private_cluster >/dev/null
# Runs before the cluster's stop (registered later, run earlier): a stopped server cannot shut down.
on_exit 'for pid in "${stopped_pids[@]}"; do kill -CONT "$pid"; done'
hung_port=$PGPORT
set -a; source "$pg_dir/env"; set +a   # back to the shared cluster for everything else
psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$hung_port" -U postgres -d postgres -c "CREATE DATABASE $hung_db" >/dev/null
cat >"$work/hung.toml" <<TOML
statement_timeout = "60s"
[[targets]]
name = "hung"
dsn = "host=127.0.0.1 port=$hung_port dbname=$hung_db user=postgres"
TOML
exporter3_port=$(free_port)
timeout 900 "$ME_BIN" --config.file="$work/hung.toml" --web.listen-address="127.0.0.1:$exporter3_port" \
  --poll.interval=1s >"$work/exporter3.log" 2>&1 &
exporter3_pid=$!
wait_for 30 curl -fsS -o /dev/null --stderr /dev/null "http://127.0.0.1:$exporter3_port/readyz" || die "the third exporter did not become ready"
write_targets "127.0.0.1:$exporter_port" "127.0.0.1:$exporter3_port"
hung_scraped() { [ "$(query "pg_up{instance=\"127.0.0.1:$exporter3_port\",datname=\"$hung_db\"} == 1" | jq length)" -gt 0 ]; }
wait_for 30 hung_scraped || die "Prometheus never scraped the third exporter with pg_up 1"
check_alerts snapshot_healthy ""

scenario slot_at_risk "max_slot_wal_keep_size caps a new physical slot on the private cluster: little safe WAL left"
# The private cluster, not the shared one: other checks expect the shared cluster's slots unlimited.
# The slot takes the name the shared cluster's logical slot had (dropped by now), which ours() counts.
psql_hung() { psql -X -q -v ON_ERROR_STOP=1 -At -h 127.0.0.1 -p "$hung_port" -U postgres -d "$hung_db" "$@"; }
psql_hung -c "ALTER SYSTEM SET max_slot_wal_keep_size = '64MB'" -c "SELECT pg_reload_conf()" >/dev/null
psql_hung -c "SELECT pg_create_physical_replication_slot('$slot', true)" >/dev/null
# Nobody reads the new slot, which holds WAL back from its creation on: the inactive-slot and
# (at the lowered 1 MiB) lagging expressions may hold too.
check_alerts slot_at_risk "MigrationExporterPostgreSQLReplicationSlotAtRisk" \
  "MigrationExporterPostgreSQLReplicationSlotInactive MigrationExporterPostgreSQLReplicationSlotLagging"
check_rule_health slot_at_risk
psql_hung -c "SELECT pg_drop_replication_slot('$slot')" >/dev/null
wait_resolved slot_at_risk MigrationExporterPostgreSQLReplicationSlotAtRisk
postmaster=$(head -1 "$cluster/data/postmaster.pid")
for pid in "$postmaster" $(pgrep -P "$postmaster"); do
  kill -STOP "$pid" && stopped_pids+=("$pid")
done
check_alerts snapshot_stale "MigrationExporterSnapshotStale"
metrics_ms=$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$exporter3_port/metrics" | awk '{ printf "%d", $1 * 1000 }')
echo "  [snapshot_stale] /metrics of the hung target still answers (${metrics_ms}ms) from the last snapshot"
check_rule_health snapshot_stale
for pid in "${stopped_pids[@]}"; do kill -CONT "$pid"; done
stopped_pids=()
wait_resolved snapshot_stale MigrationExporterSnapshotStale
write_targets "127.0.0.1:$exporter_port"
stop_pid "$exporter3_pid"; exporter3_pid=""

scenario exporter_down "the exporter is gone but still a target"
stop_pid "$exporter_pid"; exporter_pid=""
check_alerts exporter_down "MigrationExporterDown"
check_alert_state exporter_down MigrationExporterDown

scenario no_target "service discovery lost every exporter"
write_targets
check_alerts no_target "MigrationExporterAbsent"
check_rule_health no_target
scenario_done

# ---------------------------------------------------------------- verdict
# Every metric family the rules and dashboards read must have been exported at some point of the run:
# the list of the ones never seen is what the collectors still lack.
referenced=$( { printf '%s\n' "${alert_expr[@]}"; printf '%s\n' "${panel_queries[@]}" | jq -r .expr; } \
  | sed 's/"[^"]*"//g' | grep -oE '\b(pg|migration)_[a-z0-9_]*[a-z0-9]\b' | sort -u)
seen=$(query 'count by (__name__) (last_over_time({__name__=~"(pg|migration)_.+",job="migration_exporter"}[1h]))' \
  | jq -r '.[].metric.__name__' | sort -u)
never_exported=$(comm -23 <(echo "$referenced") <(echo "$seen") | tr '\n' ' ')
[ -z "$never_exported" ] || fail "metric families read by the rules or dashboards but never exported: $never_exported"

# The real /metrics bodies (healthy, a migration blocking, a stale lock table, replication) against
# the metric contract the Datadog and CloudWatch examples are validated with.
cat "$work"/body.*.txt >"$work/bodies.txt"
node "$src/tests/tools/deploy/check_contract.mjs" "$work/bodies.txt" >"$work/contract.log" 2>&1 \
  || fail "the exporter's /metrics does not match tests/tools/deploy/lib/metric_contract.mjs: $(cat "$work/contract.log")"
cat "$work/contract.log"

never=()
for name in "${alert_names[@]}"; do in_list "$name" "${alerts_proven[@]}" || never+=("$name"); done
echo "e2e_prometheus_alerts: time per scenario: ${scenario_times[*]}; total $((SECONDS - started_at))s"
proven_unique=$(printf '%s\n' "${alerts_proven[@]}" | sort -u | wc -l)
echo "e2e_prometheus_alerts: $proven_unique of ${#alert_names[@]} alert expressions proven non-empty in their scenario and silent when healthy;" \
  "$panels_checked dashboard queries checked for data; alerts with no firing scenario here (unit-tested only): ${never[*]:-none}"
if [ ${#failures[@]} -gt 0 ]; then
  printf 'e2e_prometheus_alerts: FAILED: %s\n' "${failures[@]}" >&2
  die "${#failures[@]} failure(s)"
fi
echo "e2e_prometheus_alerts: ok"
