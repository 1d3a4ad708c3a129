#!/usr/bin/env bash
# End to end, database auto-discovery (issue 17): one exporter watches every database of a server
# (each tenant database's Flyway history and tables), through at most max_connections sessions,
# with include/exclude, databases that appear, refuse us or are dropped, and a reload that turns it
# off. A private cluster, so that other checks' databases are not discovered.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"
start_private_cluster
work=$(mktemp -d)
on_exit "rm -rf '$work'"

tenant_history() {  # dbname applied-count: a tenant database as one Flyway-managed app leaves it
  createdb "$1"
  psql -q -v ON_ERROR_STOP=1 -d "$1" <<SQL
CREATE TABLE flyway_schema_history (installed_rank INT PRIMARY KEY, version VARCHAR(50),
  description VARCHAR(200) NOT NULL, type VARCHAR(20) NOT NULL, script VARCHAR(1000) NOT NULL,
  checksum INTEGER, installed_by VARCHAR(100) NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT now(),
  execution_time INTEGER NOT NULL, success BOOLEAN NOT NULL);
INSERT INTO flyway_schema_history
SELECT g, g::text, 'step ' || g, 'SQL', 'V' || g || '__step.sql', g, 'deploy', now(), 10, true
FROM generate_series(1, $2) g;
CREATE TABLE accounts (id bigserial PRIMARY KEY, name text);
SQL
}
tenants=$(seq -f '%02g' 1 9)
for i in $tenants; do tenant_history "tenant_$i" "$((10#$i))"; done
tenant_history skipped_db 1
# The documented least-privilege role, granted in every database it watches (as README says).
grant_monitor() { psql -q -d "$1" -v role=me_monitor -f "$ME_SOURCE_DIR/deploy/sql/monitor_role.sql" >/dev/null; }
for db in $(psql -Atc "SELECT datname FROM pg_database WHERE NOT datistemplate"); do grant_monitor "$db"; done

cat >"$work/config.toml" <<TOML
[[targets]]
name = "server"
dsn = "host=$PGHOST port=$PGPORT dbname=postgres user=me_monitor"

[auto_discovery]
enabled = true
exclude_databases = ["skipped_db"]
max_connections = 3
interval = "1s"
TOML
"$ME_BIN" --check-config --config.file="$work/config.toml" >/dev/null || fail "the example config is refused"

port=$(free_port)
base="http://127.0.0.1:$port"
"$ME_BIN" --config.file="$work/config.toml" --web.listen-address="127.0.0.1:$port" --poll.interval=1s \
  --web.enable-lifecycle >"$work/log" 2>&1 &
pid=$!
on_exit "kill -9 $pid"
wait_http "$base/readyz" 200 20
wait_scraped "$base" 'migration_exporter_discovered_databases{datname="postgres"}' 9 20

# Every tenant's own history, under its datname, while never more than 3 of our sessions are open
# to the discovered databases (sampled from pg_stat_activity over several sweeps).
peak=0
for _ in $(seq 25); do
  now=$(psql -Atc "SELECT count(*) FROM pg_stat_activity WHERE usename = 'me_monitor' AND datname <> 'postgres'")
  [ "$now" -gt "$peak" ] && peak=$now
  sleep 0.1
done
[ "$peak" -le 3 ] || fail "$peak sessions to discovered databases at once (max_connections = 3)"
curl -sf "$base/metrics" -o "$work/metrics"
for i in $tenants; do
  labels="datname=\"tenant_$i\",tool=\"flyway\",schema=\"public\",table=\"flyway_schema_history\""
  expect_metric "$work/metrics" "migration_applied{$labels}" "$((10#$i))" >/dev/null
  expect_metric "$work/metrics" "migration_exporter_database_up{datname=\"tenant_$i\"}" 1 >/dev/null
  expect_metric "$work/metrics" "migration_exporter_collector_success{datname=\"tenant_$i\",collector=\"tables\"}" 1 >/dev/null
  grep -q "^pg_stat_user_tables_seq_scan{datname=\"tenant_$i\",schemaname=\"public\",relname=\"accounts\"}" "$work/metrics" ||
    fail "tenant_$i's tables are not exported"
done
expect_metric "$work/metrics" 'migration_applied{datname="postgres",tool="flyway",schema="public",table="flyway_schema_history"}' 14
# The series of database $2 (a name prefix) in file $1 that a per-database collector wrote:
# server-wide families (pg_stat_database, pg_database_size_bytes and
# migration_exporter_database_sizes_measured_total) name every database of the server.
per_database_series() {
  grep -E '^(migration_|pg_stat_user_tables_)[a-z_]*\{datname="'"$2" "$1" |
    grep -v '^migration_exporter_database_sizes_measured_total'
}
# The per-database collectors must not read the excluded database.
per_database_series "$work/metrics" 'skipped_db"' && fail "the excluded database is read"
opened=$(metric_value "$work/metrics" 'migration_exporter_discovery_connects_total{datname="postgres"}')
peak_seen=$(metric_value "$work/metrics" 'migration_exporter_discovery_connections_peak{datname="postgres"}')
[ "$peak_seen" -le 3 ] || fail "migration_exporter_discovery_connections_peak = $peak_seen"
promtool check metrics <"$work/metrics" 2>&1 | grep -E '^migration_exporter_discovery' && fail "promtool lints the discovery families"
pass "9 tenant databases watched (history, tables, bookkeeping per datname), skipped_db excluded, at most $peak of 3 sessions open (exporter's peak $peak_seen, $opened connects)"

# A database created later is found at the next discovery; one that refuses us is reported down
# without hiding the others; a dropped one disappears.
tenant_history tenant_10 10
grant_monitor tenant_10
wait_scraped "$base" 'migration_applied{datname="tenant_10",tool="flyway",schema="public",table="flyway_schema_history"}' 10 20
psql -q -c "REVOKE CONNECT ON DATABASE tenant_02 FROM PUBLIC, me_monitor" -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'tenant_02' AND usename = 'me_monitor'" >/dev/null
wait_scraped "$base" 'migration_exporter_database_up{datname="tenant_02"}' 0 20
curl -sf "$base/metrics" -o "$work/metrics"
grep -q '^migration_applied{datname="tenant_02"' "$work/metrics" && fail "a database we cannot read still shows its old history"
expect_metric "$work/metrics" 'migration_exporter_database_up{datname="tenant_03"}' 1 >/dev/null
grep -q 'cannot read a discovered database.*tenant_02' "$work/log" || fail "the refused database was not logged"
psql -q -c "DROP DATABASE tenant_05 WITH (FORCE)"
for _ in $(seq 100); do
  curl -sf "$base/metrics" -o "$work/metrics"
  per_database_series "$work/metrics" 'tenant_05"' >/dev/null || break
  sleep 0.2
done
per_database_series "$work/metrics" 'tenant_05"' && fail "a dropped database's series stayed"
expect_metric "$work/metrics" 'migration_exporter_discovered_databases{datname="postgres"}' 9
pass "a new database found, a refused one down (0) without its old series, a dropped one gone"

# Reload with auto-discovery off: the discovered databases' series go at once.
sed -i 's/^enabled = true/enabled = false/' "$work/config.toml"
curl -sf -X POST "$base/-/reload" >/dev/null || fail "reload refused"
for _ in $(seq 50); do
  curl -sf "$base/metrics" -o "$work/metrics"
  per_database_series "$work/metrics" tenant_ >/dev/null || break
  sleep 0.2
done
per_database_series "$work/metrics" tenant_ && fail "tenant series stayed after auto-discovery was turned off"
expect_metric "$work/metrics" 'pg_up{datname="postgres"}' 1 >/dev/null
pass "reloaded without auto-discovery: the tenants' series are gone, the target's own stay"

# A per-database collector told to visit other databases as well would read each one twice.
printf '[auto_discovery]\nenabled = true\n[collectors.tables]\nall_databases = true\n' >"$work/both.toml"
if "$ME_BIN" --check-config --config.file="$work/both.toml" >"$work/both.out" 2>&1; then fail "all_databases with auto-discovery accepted"; fi
grep -q "both.toml:4:17: key 'collectors.tables.all_databases': auto-discovery already runs" "$work/both.out" || { cat "$work/both.out"; fail "the conflict is not named"; }
printf '[auto_discovery]\nmax_conections = 3\n' >"$work/typo.toml"
if "$ME_BIN" --check-config --config.file="$work/typo.toml" >"$work/typo.out" 2>&1; then fail "a typo in [auto_discovery] accepted"; fi
grep -q "typo.toml:2:1: key 'auto_discovery.max_conections': unknown key" "$work/typo.out" || { cat "$work/typo.out"; fail "the typo is not named"; }
pass "all_databases with auto-discovery and a typo in [auto_discovery]: refused, file:line:key named"

# postgres_exporter's flags: --auto-discover-databases with --include-databases.
port2=$(free_port)
DATA_SOURCE_NAME="host=$PGHOST port=$PGPORT dbname=postgres user=me_monitor" \
  "$ME_BIN" --web.listen-address="127.0.0.1:$port2" --poll.interval=1s --auto-discover-databases \
  --include-databases=tenant_01,tenant_03 >"$work/flags.log" 2>&1 &
on_exit "kill -9 $!"
wait_scraped "http://127.0.0.1:$port2" 'migration_exporter_discovered_databases{datname="postgres"}' 2 20
curl -sf "http://127.0.0.1:$port2/metrics" -o "$work/flags.metrics"
expect_metric "$work/flags.metrics" 'migration_applied{datname="tenant_03",tool="flyway",schema="public",table="flyway_schema_history"}' 3 >/dev/null
per_database_series "$work/flags.metrics" 'tenant_04"' && fail "--include-databases did not restrict discovery"
pass "--auto-discover-databases --include-databases=tenant_01,tenant_03: exactly those two"
