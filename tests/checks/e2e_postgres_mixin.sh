#!/usr/bin/env bash
# The upstream postgres_exporter mixin on migration_exporter alone: a real Prometheus scrapes our
# exporter (no postgres_exporter anywhere) on a private primary and on a streaming replica made with
# pg_basebackup, and every panel query of tests/data/postgres-mixin/dashboards.json (template
# variables substituted as Grafana does) and every alert expression of alerts.json must return data.
#
# Alerts are silent on a healthy server, so "returns data" means: the expression, with only its
# threshold turned around (exact text substitution listed in `data_forms`; it fails loudly if the
# upstream text changes), returns series. Three alerts need a situation, which the check creates and
# then evaluates unchanged: an inactive replication slot, requested checkpoints, and a replica
# promoted to primary (pg_replication_is_replica changes). Two need a replica by nature and are
# evaluated on the replica's series. The time dead tuples must have waited (10 h) is the one
# threshold that cannot be waited for; a table with dead tuples beyond the autovacuum threshold is
# seeded instead.
set -euo pipefail
src=${ME_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
export ME_SOURCE_DIR=$src
source "$src/tests/checks/lib/common.bash"
: "${ME_BIN:?run through ctest}"
for tool in prometheus psql curl python3; do
  command -v "$tool" >/dev/null || fail "$tool not found (run scripts/install-deps.sh)"
done
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bindir/pg_basebackup" ] || fail "pg_basebackup not found (install postgresql-15)"
started=$SECONDS
as_server_user() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

start_private_cluster
primary_env=$cluster/env
work=$(mktemp -d /tmp/me-mixin.XXXXXX)
[ "$(id -u)" -eq 0 ] && chown postgres: "$work"
pids=()
stop_all() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ -f "$work/replica/postmaster.pid" ] && as_server_user "$bindir/pg_ctl" -D "$work/replica" -m immediate stop >/dev/null 2>&1
  rm -rf "$work"
}
on_exit stop_all
show_logs() { for log in "$work"/*.log; do echo "--- $log" >&2; tail -n 20 "$log" >&2; done; }

# ---------------------------------------------------------------- primary: data the alerts read
db=mixin_app
psql -X -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE $db" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<'SQL'
-- Dead tuples beyond autovacuum's threshold (0.2 * live + 50), which autovacuum may not clean.
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric) WITH (autovacuum_enabled = false);
INSERT INTO orders SELECT g, g FROM generate_series(1, 2000) g;
ANALYZE orders;
DELETE FROM orders WHERE id > 200;
SELECT pg_create_physical_replication_slot('mixin_idle_slot');  -- inactive: HasReplicationSlotUsed
-- Renamed once both exporters run: a standby must not serve relations under names from its last
-- catalog read (it counts none of the catalog changes it replays).
CREATE TABLE standby_probe (id bigint PRIMARY KEY);
SQL

# ---------------------------------------------------------------- replica (pg_basebackup, streaming)
replica_port=$(free_port)
as_server_user "$bindir/pg_basebackup" -h "$PGHOST" -p "$PGPORT" -U postgres -D "$work/replica" \
  -R -X stream -c fast -C -S mixin_replica_slot >"$work/basebackup.log" 2>&1 || { show_logs; fail "pg_basebackup failed"; }
cat >>"$work/replica/postgresql.conf" <<CONF
port = $replica_port
unix_socket_directories = '$work'
CONF
as_server_user "$bindir/pg_ctl" -D "$work/replica" -l "$work/replica.log" -w -t 30 start >/dev/null ||
  { show_logs; fail "the replica did not start"; }
[ "$(psql -X -At -h "$work" -p "$replica_port" -c 'SELECT pg_is_in_recovery()')" = t ] || fail "the replica is not in recovery"

# ---------------------------------------------------------------- exporters and Prometheus
cat >"$work/exporter.toml" <<'TOML'
[collectors.locks]
interval = "1s"
[collectors.activity]
interval = "1s"
TOML
start_exporter() { # <host> <port> <listen port> <log>
  DATA_SOURCE_NAME="host=$1 port=$2 dbname=$db user=postgres" "$ME_BIN" --config.file="$work/exporter.toml" \
    --web.listen-address="127.0.0.1:$3" --poll.interval=1s >"$4" 2>&1 &
  pids+=($!)
}
primary_listen=$(free_port) replica_listen=$(free_port) prom_port=$(free_port)
start_exporter "$PGHOST" "$PGPORT" "$primary_listen" "$work/exporter_primary.log"
start_exporter "$work" "$replica_port" "$replica_listen" "$work/exporter_replica.log"
(wait_http "http://127.0.0.1:$primary_listen/readyz" 200 30) || { show_logs; exit 1; }
(wait_http "http://127.0.0.1:$replica_listen/readyz" 200 30) || { show_logs; exit 1; }
# A rename on the primary reaches both exporters' series: the primary's through its catalog change
# signal, the replica's (which has none) through a catalog read every poll.
series_named() { # <listen port> <relname>: whether the exporter serves tables series under that name
  local body
  body=$(curl -sf "http://127.0.0.1:$1/metrics") || return 1
  grep -q "^pg_stat_user_tables_n_live_tup{.*relname=\"$2\"" <<<"$body"
}
wait_named() { # <listen port> <relname> [old relname]: within 20 s, the name served (and not the old one)
  for _ in $(seq 1 20); do
    series_named "$1" "$2" && { [ -z "${3:-}" ] || ! series_named "$1" "$3"; } && return 0
    sleep 1
  done
  return 1
}
for port in "$primary_listen" "$replica_listen"; do
  wait_named "$port" standby_probe || { show_logs; fail "no series for standby_probe on 127.0.0.1:$port"; }
done
psql -X -q -d "$db" -c "ALTER TABLE standby_probe RENAME TO standby_probe_renamed" >/dev/null
for port in "$primary_listen" "$replica_listen"; do
  wait_named "$port" standby_probe_renamed standby_probe ||
    { show_logs; fail "127.0.0.1:$port still serves standby_probe under its old name 20 s after the rename"; }
done

cat >"$work/prometheus.yml" <<YAML
global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: postgres
    static_configs: [{targets: ["127.0.0.1:$primary_listen", "127.0.0.1:$replica_listen"]}]
YAML
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" --log.level=warn >"$work/prometheus.log" 2>&1 &
pids+=($!)
(wait_http "http://127.0.0.1:$prom_port/-/ready" 200 30) || { show_logs; exit 1; }

# The checkpoint counters must be in Prometheus before the CHECKPOINTs below: a rate needs two
# samples around an increase (on a loaded machine the first scrapes came after both, once).
for _ in $(seq 1 30); do
  curl -sf "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode \
    'query=pg_stat_bgwriter_checkpoints_req_total' | grep -q '"value"' && break
  sleep 1
done
# Work in the application database, and requested checkpoints, while Prometheus collects the
# samples its rates need.
for i in $(seq 1 8); do
  psql -X -q -d "$db" -c "SELECT count(*) FROM orders; UPDATE orders SET total = total + 1 WHERE id = $i" >/dev/null
  [ $((i % 3)) -eq 0 ] && psql -X -q -c CHECKPOINT >/dev/null
  sleep 1
done

cat >"$work/evaluate.py" <<'PY'
import json, math, os, sys, time, urllib.parse, urllib.request

data_dir, prom, primary, replica, db, promote_flag = sys.argv[1:]

def query(expr):
    url = f"{prom}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=10) as response:
        body = json.load(response)
    if body["status"] != "success":
        sys.exit(f"FAIL: Prometheus rejected {expr!r}: {body.get('error')}")
    return body["data"]["result"]

def has_data(result, instance):
    # Aggregations that drop `instance` answer for every instance they were given.
    return [r for r in result if r["metric"].get("instance", instance) == instance
            and not math.isnan(float(r["value"][1]))]

def wait_data(expr, instance, seconds=20):
    deadline = time.time() + seconds
    while True:
        found = has_data(query(expr), instance)
        if found or time.time() > deadline:
            return found
        time.sleep(1)

failures = []

# Dashboard: template variables, then every panel target as Grafana would send it.
dashboards = json.load(open(os.path.join(data_dir, "dashboards.json")))
variables = {"$job": "postgres", "$instance": primary, "$db": db,
             "$__rate_interval": "1m", "$interval": "1m"}
def label_values(match, label):
    url = f"{prom}/api/v1/series?" + urllib.parse.urlencode({"match[]": match})
    with urllib.request.urlopen(url, timeout=10) as response:
        return sorted({s.get(label) for s in json.load(response)["data"] if label in s})
jobs = label_values("pg_up", "job")
instances = label_values('pg_up{job=~"postgres"}', "instance")
dbs = label_values(f'pg_stat_database_tup_fetched{{job=~"postgres",instance=~"{primary}",datname!~"template.*|postgres"}}', "datname")
print(f"template variables: job {jobs}, instance {instances}, db {dbs}")
if jobs != ["postgres"] or primary not in instances or db not in dbs:
    failures.append("a dashboard template variable has no value")

def panels(node):
    for panel in node.get("panels", []) + [p for row in node.get("rows", []) for p in row.get("panels", [])]:
        yield panel
        yield from panels(panel)
panel_total = panel_ok = 0
for name, dashboard in dashboards.items():
    for panel in panels(dashboard):
        for target in panel.get("targets", []):
            if "expr" not in target:
                continue
            expr = target["expr"]
            for variable, value in sorted(variables.items(), key=lambda kv: -len(kv[0])):
                expr = expr.replace(variable, value)
            panel_total += 1
            found = wait_data(expr, primary, 10)
            status = "ok" if found else "FAIL"
            panel_ok += bool(found)
            print(f"{status:5} panel {panel.get('title')!r}: {len(found)} series")
            if not found:
                failures.append(f"panel {panel.get('title')!r} returns no data: {expr}")

# Alerts. data_forms: from|to substitutions that turn a healthy server's silence into data, each
# meant to occur in the upstream text exactly once. where: the exporter whose series must answer.
rules = [r for g in json.load(open(os.path.join(data_dir, "alerts.json")))["groups"] for r in g["rules"]]
data_forms = {
    "PostgreSQLMaxConnectionsReached": ("\n>=\n", "\n<\n"),
    "PostgreSQLHighConnections": ("\n>\n(", "\n<\n("),
    "PostgreSQLDown": ("!= 1", "== 1"),
    "PostgreSQLSlowQueries": ("> 2 * 60", ">= 0"),
    "PostgreSQLQPS": ("> 10000", ">= 0"),
    "PostgreSQLCacheHitRatio": ("< 0.98", "<= 1"),
    "PostgresHasTooManyRollbacks": ("> 0.10", ">= 0"),
    "PostgresHasHighDeadLocks": ("> 5", ">= 0"),
    "PostgresAcquiredTooManyLocks": ("> 0.20", ">= 0"),
    "PostgresReplicationLaggingMore1Hour": ("> 3600", ">= 0"),
    "PostgresHasExporterErrors": ("> 0", ">= 0"),
    "PostgresTablesNotVaccumed": ("< time() - 36000", "> time() - 36000"),
}
by_situation = {  # evaluated unchanged: the check created the situation
    "PostgresHasReplicationSlotUsed": "an inactive replication slot (mixin_idle_slot)",
    "PostgresTooManyCheckpointsRequested": "requested checkpoints (CHECKPOINT)",
    "PostgresReplicationRoleChanged": "the replica promoted (pg_replication_is_replica 1 -> 0)",
}
on_replica = {"PostgresReplicationLaggingMore1Hour", "PostgresReplicationRoleChanged"}
unknown = (set(data_forms) | set(by_situation)) - {r["alert"] for r in rules}
if unknown:
    failures.append(f"the check names alerts the mixin does not define: {sorted(unknown)}")
alert_ok = 0
promoted = False
for rule in sorted(rules, key=lambda r: r["alert"] == "PostgresReplicationRoleChanged"):
    name, expr = rule["alert"], rule["expr"]
    if name in data_forms:
        old, new = data_forms[name]
        if expr.count(old) != 1:
            failures.append(f"{name}: the upstream expression no longer contains {old!r} once: update data_forms")
            continue
        expr, how = expr.replace(old, new), f"threshold {old.strip()!r} -> {new.strip()!r}"
    elif name in by_situation:
        how = "unchanged, with " + by_situation[name]
    else:
        failures.append(f"{name}: neither a data form nor a situation is listed for this alert")
        continue
    if name == "PostgresReplicationRoleChanged" and not promoted:
        open(promote_flag, "w").close()  # the shell promotes the replica when it sees this file
        deadline = time.time() + 30
        while os.path.exists(promote_flag) and time.time() < deadline:
            time.sleep(0.2)
        promoted = True
    where = replica if name in on_replica else primary
    found = wait_data(expr, where, 20)
    alert_ok += bool(found)
    print(f"{'ok' if found else 'FAIL':5} alert {name} on the {'replica' if where == replica else 'primary'}: "
          f"{len(found)} series ({how})")
    if not found:
        failures.append(f"alert {name} returns no data: {expr!r}")

print(f"mixin on migration_exporter alone: {panel_ok}/{panel_total} panel queries and "
      f"{alert_ok}/{len(rules)} alert expressions return data")
if failures:
    print("\n".join("FAIL: " + f for f in failures), file=sys.stderr)
    sys.exit(1)
PY
# The evaluation runs beside this loop, which promotes the replica when it asks (ReplicationRoleChanged).
python3 "$work/evaluate.py" "$src/tests/data/postgres-mixin" "http://127.0.0.1:$prom_port" \
  "127.0.0.1:$primary_listen" "127.0.0.1:$replica_listen" "$db" "$work/promote" &
evaluator=$!
while kill -0 "$evaluator" 2>/dev/null; do
  if [ -f "$work/promote" ]; then
    as_server_user "$bindir/pg_ctl" -D "$work/replica" -w promote >/dev/null || { show_logs; fail "promotion failed"; }
    rm -f "$work/promote"
  fi
  sleep 0.2
done
wait "$evaluator" || { show_logs; fail "the mixin does not work on migration_exporter alone"; }
pass "upstream postgres_exporter mixin: every panel query and alert expression returns data ($((SECONDS - started)) s)"
