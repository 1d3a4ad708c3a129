#!/usr/bin/env bash
# End to end, the expected-state alerts with a real Prometheus: a Flyway history paired with its
# migration files. A deploy ships V2, whose transactional migration fails and rolls back with its
# history row (nothing recorded): MigrationPending fires. An applied file is edited:
# MigrationChecksumMismatch fires. The fixed V2 is redeployed and the edit reverted: both resolve.
# The files go away: MigrationSourceUnreadable fires, and resolves when they are back. The rules are
# the shipped file with each `for:` shortened by an exact substitution (a changed rule fails the
# check instead of testing something else); Prometheus scrapes and evaluates every second.
check_name=sources
source "$(dirname "${BASH_SOURCE[0]}")/lib/history_tools.bash"
for tool in prometheus python3 jq; do require_tool "$tool" "Debian package ${tool/python3/python3}"; done
started=$SECONDS

source "$(dirname "${BASH_SOURCE[0]}")/lib/flyway_checksum.bash"
src_dir="$work/migrations"
mkdir -p "$src_dir"
printf 'CREATE TABLE accounts (id bigint PRIMARY KEY);\n' >"$src_dir/V1__create_accounts.sql"
psql -q -v ON_ERROR_STOP=1 <<SQL
CREATE TABLE flyway_schema_history (installed_rank int PRIMARY KEY, version varchar(50),
  description varchar(200) NOT NULL, type varchar(20) NOT NULL, script varchar(1000) NOT NULL,
  checksum int, installed_by varchar(100) NOT NULL, installed_on timestamp NOT NULL DEFAULT now(),
  execution_time int NOT NULL, success boolean NOT NULL);
CREATE TABLE accounts (id bigint PRIMARY KEY);
INSERT INTO flyway_schema_history VALUES (1, '1', 'create accounts', 'SQL', 'V1__create_accounts.sql',
  $(flyway_checksum "$src_dir/V1__create_accounts.sql"), 'deploy', now(), 12, true);
SQL
# Flyway's way on PostgreSQL: the migration and its history row in one transaction.
flyway_migrate() { # <version> <file>
  psql -q -v ON_ERROR_STOP=1 -1 -f "$src_dir/$2" -c "INSERT INTO flyway_schema_history VALUES
    ((SELECT max(installed_rank) + 1 FROM flyway_schema_history), '$1', 'm', 'SQL', '$2',
     $(flyway_checksum "$src_dir/$2"), 'deploy', now(), 5, true)"
}
cat >"$work/exporter.toml" <<TOML
[collectors.history]
sources = [{ tool = "flyway", path = "$src_dir" }]
TOML
start_exporter --config.file="$work/exporter.toml"

# The shipped rules, rendered from the mixin with these alerts' `for:` shortened to 3 s (the
# way a team overrides _config), so each can fire and resolve within the check.
cat >"$work/short_for.libsonnet" <<'JSONNET'
{ _config+:: { forDurations+: { MigrationPending: '3s', MigrationChecksumMismatch: '3s',
                                MigrationSourceUnreadable: '3s' } } }
JSONNET
"$ME_SOURCE_DIR/mixin/render.sh" "$work/render" "$work/short_for.libsonnet" >/dev/null \
  || fail "could not render the mixin"
rules="$work/render/alerts/migration_exporter.rules.yml"
for expr in 'migration_pending{job="migration_exporter"} > 0' \
  'migration_checksum_mismatch{job="migration_exporter"} > 0' 'migration_source_up{job="migration_exporter"} == 0'; do
  grep -qF "expr: $expr" "$rules" || fail "rule with expr '$expr' not found in the rendered rules"
done
prom_port=$(free_port)
cat >"$work/prometheus.yml" <<YAML
global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}
rule_files: [$rules]
scrape_configs:
  - job_name: migration_exporter
    static_configs: [{targets: ["${base#http://}"]}]
YAML
timeout 300 prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" --log.level=warn >"$work/prometheus.log" 2>&1 &
prometheus=$!
trap 'kill "$prometheus" 2>/dev/null; wait "$prometheus" 2>/dev/null; cleanup' EXIT
prom="http://127.0.0.1:$prom_port"
wait_http "$prom/-/ready" 200 30

firing() { # <alertname> -> the number of firing instances for our database
  curl -sf "$prom/api/v1/alerts" | jq --arg a "$1" --arg db "$db" \
    '[.data.alerts[] | select(.labels.alertname == $a and .labels.datname == $db and .state == "firing")] | length'
}
wait_alert() { # <alertname> <firing|resolved> <seconds>
  local want=1 deadline=$((SECONDS + $3))
  [ "$2" = resolved ] && want=0
  until [ "$(firing "$1")" = "$want" ]; do
    [ $SECONDS -lt $deadline ] || fail "$1 did not become $2 within $3s ($(tail -n 3 "$work/exporter.log"))"
    sleep 0.5
  done
  pass "$1 $2 ($((SECONDS - started))s into the check)"
}
t=$(labels flyway public flyway_schema_history)

# A healthy start: nothing pending, nothing edited.
wait_for "migration_pending{$t}" 0
for alert in MigrationPending MigrationChecksumMismatch MigrationSourceUnreadable; do
  [ "$(firing $alert)" = 0 ] || fail "$alert fires on a healthy database"
done
pass "healthy: no expected-state alert fires"

# The deploy ships V2; it fails inside its transaction: no history row, nothing recorded as failed.
printf 'ALTER TABLE acounts ADD COLUMN email text;\n' >"$src_dir/V2__add_email.sql"
if flyway_migrate 2 V2__add_email.sql 2>"$work/migrate.err"; then fail "the broken migration applied"; fi
[ "$(sql "SELECT count(*) FROM flyway_schema_history")" = 1 ] || fail "the failed migration left a row"
# And someone edits the applied V1 afterwards.
printf 'CREATE TABLE accounts (id bigint PRIMARY KEY, note text);\n' >"$src_dir/V1__create_accounts.sql"
scrape
expect_metric "$work/metrics" "migration_failed{$t}" 0
wait_for "migration_pending{$t}" 1
wait_for "migration_checksum_mismatch{$t}" 1
expect_metric "$work/metrics" "migration_source_info{$t,state=\"pending\",migration=\"2\"}" 1
wait_alert MigrationPending firing 30
wait_alert MigrationChecksumMismatch firing 30

# The fix: V2 corrected and redeployed, V1 restored.
printf 'ALTER TABLE accounts ADD COLUMN email text;\n' >"$src_dir/V2__add_email.sql"
flyway_migrate 2 V2__add_email.sql || fail "the fixed migration did not apply"
printf 'CREATE TABLE accounts (id bigint PRIMARY KEY);\n' >"$src_dir/V1__create_accounts.sql"
wait_alert MigrationPending resolved 30
wait_alert MigrationChecksumMismatch resolved 30

# The volume goes away (a broken mount): the sources are unreadable, the history still read.
mv "$src_dir" "$work/migrations.away"
wait_for "migration_source_up{$t}" 0
expect_metric "$work/metrics" "migration_history_up{$t}" 1
grep -q 'migration sources unreadable' "$work/exporter.log" || fail "no log line names the unreadable source"
wait_alert MigrationSourceUnreadable firing 30
mv "$work/migrations.away" "$src_dir"
wait_alert MigrationSourceUnreadable resolved 30
pass "e2e_sources_alerts finished in $((SECONDS - started))s"
