#!/usr/bin/env bash
# End to end with the real Liquibase (the npm package bundles the CLI; it runs on the JRE): an XML
# root changelog (an <sql> and a <createTable> changeset) including a YAML one and a SQL one with
# two changesets, a runOnChange view and a changeset its precondition marks as ran
# (MARK_RAN); then the view changes (re-run in place: RERAN) and a failing changeset is added (no
# row: Liquibase records no failures); the exporter's series are asserted; then `rollback-count 1`
# deletes the latest row, seen as the current version moving back. The table is paired with the
# changelog: the exporter's checksums equal databasechangelog.md5sum, its pending (and outdated
# runOnChange) changesets equal `liquibase status --verbose` in each state, and edited applied
# changesets (SQL, XML <sql>, YAML sql) are drift exactly as `liquibase validate` refuses them.
check_name=liquibase
source "$(dirname "${BASH_SOURCE[0]}")/lib/history_tools.bash"
liquibase_bin="$tools_dir/node_modules/liquibase/dist/liquibase/liquibase"
require_tool "$liquibase_bin" "npm ci in tests/tools/history (the liquibase package)"
require_tool java "Debian package openjdk-17-jre-headless"

liquibase_run() {
  (cd "$work" && "$liquibase_bin" --url="jdbc:postgresql://127.0.0.1:$PGPORT/$db" --username=postgres \
    --changelog-file=changelog.xml --show-banner=false --log-level=severe "$@")
}
liquibase() { liquibase_run "$@" >>"$work/liquibase.log" 2>&1; }
# The changesets `liquibase status --verbose` lists as to be run ("     file::id::author"),
# lower-cased (the exporter shows identities so), sorted, space-separated.
liquibase_undeployed() {
  liquibase_run status --verbose 2>>"$work/liquibase.log" | tee -a "$work/liquibase.log" \
    | sed -n 's/^ \{5\}\([^ ].*::.*::.*\)$/\1/p' | tr '[:upper:]' '[:lower:]' | sort | xargs
}
# The exporter's migration_source_info migrations in these states, same form.
exporter_states() {  # STATE-REGEX
  grep "^migration_source_info{$t," "$work/metrics" | grep -E "state=\"($1)\"" \
    | sed 's/.*migration="\([^"]*\)".*/\1/' | sort | xargs
}
# The root changelog: XML, its own changesets first (one <sql>, one <createTable>), then a YAML
# and the SQL changelog included (recorded by their paths, as given below the search path).
cat >"$work/changelog.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.liquibase.org/xml/ns/dbchangelog
      http://www.liquibase.org/xml/ns/dbchangelog/dbchangelog-latest.xsd">
  <changeSet id="x1" author="carol">
    <sql>CREATE TABLE lb_xml (id int)</sql>
    <rollback>DROP TABLE lb_xml</rollback>
  </changeSet>
  <changeSet id="x2" author="carol">
    <createTable tableName="lb_xml_typed"><column name="id" type="int"/></createTable>
  </changeSet>
  <include file="changelog.yaml"/>
  <include file="changelog.sql"/>
</databaseChangeLog>
XML
cat >"$work/changelog.yaml" <<'YAML'
databaseChangeLog:
  - changeSet:
      id: y1
      author: dave
      changes:
        - sql:
            sql: CREATE TABLE lb_yaml (id int)
YAML
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
  = "x1:EXECUTED,x2:EXECUTED,y1:EXECUTED,1:EXECUTED,2:EXECUTED,never:MARK_RAN,views:RERAN" ] || fail "unexpected databasechangelog rows"
pass "liquibase: EXECUTED, MARK_RAN and RERAN rows written, the failed changeset left none"

# The changelog as the sources (the search path and --changelog-file as Liquibase was given them).
cat >"$work/exporter.toml" <<TOML
[collectors.history]
sources = [{ tool = "liquibase", path = "$work", changelog_file = "changelog.xml" }]
TOML
start_exporter --config.file="$work/exporter.toml"
scrape
t=$(labels liquibase public databasechangelog)
expect_metric "$work/metrics" "migration_history_up{$t}" 1
# Changesets that ran, each once however often it re-ran; not the MARK_RAN one.
expect_metric "$work/metrics" "migration_applied{$t}" 6
expect_metric "$work/metrics" "migration_rollbacks{$t}" 0
expect_metric "$work/metrics" "migration_current_version_info{$t,version=\"views\",description=\"sql\"}" 1
expect_close "migration_last_applied_timestamp_seconds{$t}" \
  "$(sql "SELECT extract(epoch FROM max(dateexecuted)) FROM databasechangelog")"
expect_metric "$work/metrics" "migration_info{$t,version=\"views\",description=\"sql\",type=\"RERAN\",script=\"changelog.sql\",installed_by=\"bob\",success=\"true\"}" 1
expect_metric "$work/metrics" "migration_info{$t,version=\"never\",description=\"sql\",type=\"MARK_RAN\",script=\"changelog.sql\",installed_by=\"bob\",success=\"true\"}" 1
expect_absent "migration_failed{$t}"
expect_absent "migration_duration_seconds_count{$t}"
expect_absent "migration_last_duration_seconds{$t}"

# Paired with the changelog: every recorded checksum is version 9 and equals the exporter's (no
# drift, the RERAN view not outdated); the undeployed set is what `liquibase status` lists.
[ "$(sql "SELECT count(*) FROM databasechangelog WHERE md5sum LIKE '9:%'")" = 7 ] \
  || fail "liquibase wrote checksums other than version 9"
expect_metric "$work/metrics" "migration_source_up{$t}" 1
expect_metric "$work/metrics" "migration_source_files{$t}" 8
expect_metric "$work/metrics" "migration_checksum_mismatch{$t}" 0
expect_metric "$work/metrics" "migration_outdated_repeatable{$t}" 0
expect_metric "$work/metrics" "migration_missing_source{$t}" 0
expect_metric "$work/metrics" "migration_pending{$t}" 1
status=$(liquibase_undeployed)
[ "$status" = "changelog.sql::3::alice" ] || fail "liquibase status lists '$status'"
[ "$(exporter_states pending)" = "$status" ] \
  || fail "exporter pending '$(exporter_states pending)', liquibase status '$status'"
pass "liquibase: checksums equal databasechangelog.md5sum; pending equals liquibase status ($status)"

# The runOnChange view's body changes: Liquibase will re-run it (status lists it), the exporter
# reports it as an outdated repeatable (not drift); together with pending, status's list.
changelog "SELECT 3 AS x" $'\n--changeset alice:3\nSELECT no_such_function();\n'
wait_for "migration_outdated_repeatable{$t}" 1
expect_metric "$work/metrics" "migration_checksum_mismatch{$t}" 0
expect_metric "$work/metrics" "migration_source_info{$t,state=\"outdated_repeatable\",migration=\"changelog.sql::views::bob\"}" 1
status=$(liquibase_undeployed)
[ "$(exporter_states 'pending|outdated_repeatable')" = "$status" ] \
  && [ "$status" = "changelog.sql::3::alice changelog.sql::views::bob" ] \
  || fail "exporter to-run '$(exporter_states 'pending|outdated_repeatable')', liquibase status '$status'"
pass "liquibase: an edited runOnChange changeset is outdated, as status lists it to run ($status)"

liquibase rollback-count --count=1 || { cat "$work/liquibase.log"; fail "liquibase rollback-count failed"; }
wait_for "migration_rollbacks{$t}" 1
expect_metric "$work/metrics" "migration_applied{$t}" 5
expect_metric "$work/metrics" "migration_current_version_info{$t,version=\"never\",description=\"sql\"}" 1
# The view's row is gone: pending now (no longer outdated), as status lists it.
expect_metric "$work/metrics" "migration_outdated_repeatable{$t}" 0
status=$(liquibase_undeployed)
[ "$(exporter_states pending)" = "$status" ] \
  && [ "$status" = "changelog.sql::3::alice changelog.sql::views::bob" ] \
  || fail "after rollback: exporter pending '$(exporter_states pending)', liquibase status '$status'"
pass "liquibase after rollback-count: pending equals liquibase status ($status)"

# Applied changesets edited (SQL, XML <sql>, YAML sql): the exporter reports drift for them, and Liquibase's validate refuses
# the changelog naming the same changeset ("<file>::<id>::<author> was: 9:… but is now: 9:…").
sed -i 's/^CREATE TABLE lb_users (id int PRIMARY KEY);$/CREATE TABLE lb_users (id int PRIMARY KEY, name text);/' \
  "$work/changelog.sql"
sed -i 's|CREATE TABLE lb_xml (id int)</sql>|CREATE TABLE lb_xml (id int, note text)</sql>|' "$work/changelog.xml"
sed -i 's|sql: CREATE TABLE lb_yaml (id int)$|sql: CREATE TABLE lb_yaml (id int, note text)|' "$work/changelog.yaml"
wait_for "migration_checksum_mismatch{$t}" 3
expect_metric "$work/metrics" "migration_source_info{$t,state=\"checksum_mismatch\",migration=\"changelog.yaml::y1::dave\"}" 1
expect_metric "$work/metrics" "migration_source_info{$t,state=\"checksum_mismatch\",migration=\"changelog.sql::1::alice\"}" 1
expect_metric "$work/metrics" "migration_source_info{$t,state=\"checksum_mismatch\",migration=\"changelog.xml::x1::carol\"}" 1
if liquibase_run validate >"$work/validate.out" 2>&1; then
  fail "liquibase validate accepted an edited changeset"
fi
refused=$(grep -o '[^ ]*::[^ ]*::[^ ]* was: 9:' "$work/validate.out" | sed 's/ was: 9:$//' \
  | tr '[:upper:]' '[:lower:]' | sort -u | xargs)
[ -n "$refused" ] && [ "$(exporter_states checksum_mismatch)" = "$refused" ] \
  || { cat "$work/validate.out"; fail "exporter drift '$(exporter_states checksum_mismatch)', liquibase validate '$refused'"; }
pass "liquibase: drift of an edited changeset agrees with liquibase validate's refusal ($refused)"
pass "real Liquibase verified"
