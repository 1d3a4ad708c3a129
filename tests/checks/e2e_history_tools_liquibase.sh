#!/usr/bin/env bash
# End to end with the real Liquibase (the npm package bundles the CLI; it runs on the JRE): a
# changelog with two changesets, a runOnChange view and a changeset its precondition marks as ran
# (MARK_RAN); then the view changes (re-run in place: RERAN) and a failing changeset is added (no
# row: Liquibase records no failures); the exporter's series are asserted; then `rollback-count 1`
# deletes the latest row, seen as the current version moving back.
check_name=liquibase
source "$(dirname "${BASH_SOURCE[0]}")/lib/history_tools.bash"
liquibase_bin="$tools_dir/node_modules/liquibase/dist/liquibase/liquibase"
require_tool "$liquibase_bin" "npm ci in tests/tools/history (the liquibase package)"
require_tool java "Debian package openjdk-17-jre-headless"

liquibase() {
  (cd "$work" && "$liquibase_bin" --url="jdbc:postgresql://127.0.0.1:$PGPORT/$db" --username=postgres \
    --changelog-file=changelog.sql --show-banner=false --log-level=severe "$@" >>"$work/liquibase.log" 2>&1)
}
changelog() {  # VIEW-BODY [EXTRA-CHANGESET]
  cat >"$work/changelog.sql" <<SQL
--liquibase formatted sql

--changeset alice:1
CREATE TABLE lb_users (id int PRIMARY KEY);
--rollback DROP TABLE lb_users;

--changeset alice:2
CREATE TABLE lb_orders (id int PRIMARY KEY);
--rollback DROP TABLE lb_orders;

--changeset bob:never
--preconditions onFail:MARK_RAN
--precondition-sql-check expectedResult:1 SELECT 0
CREATE TABLE lb_never (id int);
--rollback DROP TABLE lb_never;

--changeset bob:views runOnChange:true
CREATE OR REPLACE VIEW lb_view AS $1;
--rollback DROP VIEW lb_view;
${2:-}
SQL
}

changelog "SELECT 1 AS x"
liquibase update || { cat "$work/liquibase.log"; fail "liquibase update failed"; }
changelog "SELECT 2 AS x" $'\n--changeset alice:3\nSELECT no_such_function();\n'
if liquibase update; then fail "liquibase applied the broken changeset"; fi
[ "$(sql "SELECT string_agg(id || ':' || exectype, ',' ORDER BY orderexecuted) FROM databasechangelog")" \
  = "1:EXECUTED,2:EXECUTED,never:MARK_RAN,views:RERAN" ] || fail "unexpected databasechangelog rows"
pass "liquibase: EXECUTED, MARK_RAN and RERAN rows written, the failed changeset left none"

start_exporter
scrape
t=$(labels liquibase public databasechangelog)
expect_metric "$work/metrics" "migration_history_up{$t}" 1
# Changesets that ran, each once however often it re-ran; not the MARK_RAN one.
expect_metric "$work/metrics" "migration_applied{$t}" 3
expect_metric "$work/metrics" "migration_rollbacks{$t}" 0
expect_metric "$work/metrics" "migration_current_version_info{$t,version=\"views\",description=\"sql\"}" 1
expect_close "migration_last_applied_timestamp_seconds{$t}" \
  "$(sql "SELECT extract(epoch FROM max(dateexecuted)) FROM databasechangelog")"
expect_metric "$work/metrics" "migration_info{$t,version=\"views\",description=\"sql\",type=\"RERAN\",script=\"changelog.sql\",installed_by=\"bob\",success=\"true\"}" 1
expect_metric "$work/metrics" "migration_info{$t,version=\"never\",description=\"sql\",type=\"MARK_RAN\",script=\"changelog.sql\",installed_by=\"bob\",success=\"true\"}" 1
expect_absent "migration_failed{$t}"
expect_absent "migration_duration_seconds_count{$t}"
expect_absent "migration_last_duration_seconds{$t}"

liquibase rollback-count --count=1 || { cat "$work/liquibase.log"; fail "liquibase rollback-count failed"; }
wait_for "migration_rollbacks{$t}" 1
expect_metric "$work/metrics" "migration_applied{$t}" 2
expect_metric "$work/metrics" "migration_current_version_info{$t,version=\"never\",description=\"sql\"}" 1
pass "real Liquibase verified"
