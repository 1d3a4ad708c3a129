#!/usr/bin/env bash
# End to end with the real Debian-packaged tools: Sqitch, Alembic, Django and ActiveRecord each
# migrate one database (successful migrations, then one that fails), the exporter scrapes it as the
# least-privilege role, and every tool's series are asserted; then each rolls back and the
# rollbacks are asserted (Sqitch's recorded revert, Django's and Rails' deleted rows seen as the
# current version moving back; Alembic cannot tell, so it exports no rollback series). Sqitch's,
# Django's, Rails' and Alembic's tables are paired with their files: pending as the tools' status
# says (Alembic: every revision `alembic history` lists that is not below a head `alembic current`
# prints), again after the rollbacks and after a new Alembic script that depends_on the other
# branch by its label is added, then upgraded to. Alembic records no checksum: no drift half.
check_name=debian
source "$(dirname "${BASH_SOURCE[0]}")/lib/history_tools.bash"
python=/usr/bin/python3  # Debian's, where python3-alembic and python3-django live
require_tool sqitch "Debian packages sqitch libdbd-pg-perl"
require_tool ruby "Debian packages ruby-activerecord ruby-pg"
$python -c 'import alembic, django, psycopg2' 2>/dev/null \
  || fail "alembic/django/psycopg2 missing for $python: Debian packages python3-alembic python3-django python3-psycopg2"
ruby -e 'require "active_record"; require "pg"' 2>/dev/null \
  || fail "ActiveRecord missing: Debian packages ruby-activerecord ruby-pg"

# --- the tools migrate: two good changes each, then a failing one (its error output is expected)
sqitch_target="db:pg://postgres@127.0.0.1:$PGPORT/$db"
# A copy of the project: the check later fixes the broken change and adds one, as a developer would.
cp -R "$tools_dir/sqitch" "$work/sqitch"
sqitch_run() {
  (cd "$work/sqitch" && SQITCH_FULLNAME="Test Deployer" SQITCH_EMAIL=deployer@example.com \
    sqitch --quiet "$@" "$sqitch_target")
}
# The changes `sqitch status` lists as undeployed, sorted, space-separated.
sqitch_undeployed() {
  (cd "$work/sqitch" && sqitch status "$sqitch_target" 2>&1) | sed -n 's/^  \* \(.*\)$/\1/p' | sort | xargs
}
# The changes the exporter reports as pending or failed for the Sqitch history, same form.
exporter_undeployed() {
  grep "^migration_source_info{$sq," "$work/metrics" | grep -E 'state="(pending|failed)"' \
    | sed 's/.*migration="\([^"]*\)".*/\1/' | sort | xargs
}
sqitch_run deploy --to orders || fail "sqitch deploy failed"
if sqitch_run deploy >"$work/sqitch.err" 2>&1; then fail "sqitch deployed the broken change"; fi

export ALEMBIC_URL="postgresql://postgres@127.0.0.1:$PGPORT/$db"
# A copy of the scripts (script_location is the ini's directory): the check adds one later.
cp -R "$tools_dir/alembic" "$work/alembic"
alembic() { $python -m alembic -c "$work/alembic/alembic.ini" "$@"; }
# Alembic's own view, from its revision map: every revision (`history`), the recorded heads
# (`current`), and the pending ones: every revision not below a current head (`history -r base:H`);
# `alembic check` (1.9+) compares models, not scripts: no command lists pending revisions itself.
alembic_revisions() { alembic history --verbose "$@" | sed -n 's/^Rev: \([0-9a-f]*\).*/\1/p' | sort -u; }
alembic_current() { alembic current | grep -oE '^[0-9a-f]+' | sort | xargs; }
alembic_pending() {  # CURRENT-HEADS
  local head applied=""
  for head in $1; do applied+=" $(alembic_revisions -r "base:$head" | xargs)"; done
  # shellcheck disable=SC2086  # one id per word
  comm -23 <(alembic_revisions) <(printf '%s\n' $applied | sort -u) | xargs
}
# The exporter's recorded heads and its migrations in a state, same form.
exporter_heads() {
  grep "^migration_current_version_info{$al," "$work/metrics" | sed 's/.*version="\([^"]*\)".*/\1/' | sort | xargs
}
exporter_state() {  # LABELS STATE
  grep "^migration_source_info{$1,state=\"$2\"" "$work/metrics" \
    | sed 's/.*migration="\([^"]*\)".*/\1/' | sort | xargs
}
# The exporter's pending equal Alembic's; its heads are the recorded ones, which `alembic current`
# prints, plus the heads of branches reached only through depends_on (applied: never pending).
alembic_agrees() {  # WHEN
  local pending head  # current stays set for the caller
  current=$(alembic_current)
  pending=$(alembic_pending "$current")
  [ "$(exporter_state "$al" pending)" = "$pending" ] \
    || fail "alembic $1: exporter pending '$(exporter_state "$al" pending)', alembic '$pending'"
  expect_metric "$work/metrics" "migration_pending{$al}" "$(wc -w <<<"$pending")"
  [ "$(exporter_heads)" = "$(sql "SELECT string_agg(version_num, ' ' ORDER BY version_num) FROM alembic_version")" ] \
    || fail "alembic $1: exporter heads '$(exporter_heads)' are not alembic_version's"
  for head in $(exporter_heads); do
    grep -qw "$head" <<<"$current" || fail "alembic $1: head $head is not in alembic current '$current'"
  done
  for head in $current; do
    ! grep -qw "$head" <<<"$pending" || fail "alembic $1: current $head is pending"
  done
  expect_metric "$work/metrics" "migration_missing_source{$al}" 0
  expect_metric "$work/metrics" "migration_source_up{$al}" 1
  pass "alembic $1: pending ($pending) and heads ($(exporter_heads)) as alembic history/current ($current) say"
}
alembic upgrade b2b2b2b2b2b2 || fail "alembic upgrade failed"
if alembic upgrade c3c3c3c3c3c3 >"$work/alembic.err" 2>&1; then fail "alembic ran the broken revision"; fi
alembic upgrade d4d4d4d4d4d4 || fail "alembic upgrade of the second branch failed"

django() { (cd "$tools_dir/django" && DJANGO_DB="$db" DJANGO_SETTINGS_MODULE=settings \
  PYTHONPATH="$tools_dir/django" $python -m django "$@" -v 0); }
django migrate shop 0002 || fail "django migrate failed"
if django migrate shop >"$work/django.err" 2>&1; then fail "django applied the broken migration"; fi

rails() { RAILS_DB="$db" ruby "$tools_dir/rails/migrate.rb" "$@"; }
rails up 20260101000100 || fail "ActiveRecord migrate failed"
if rails up >"$work/rails.err" 2>&1; then fail "ActiveRecord applied the broken migration"; fi
pass "sqitch, alembic, django and ActiveRecord migrated (each failed once, as meant)"

# Sqitch's history paired with its plan (the sources): pending and failed changes are compared
# with what `sqitch status` says.
cat >"$work/exporter.toml" <<TOML
[collectors.history]
sources = [{ tool = "sqitch", schema = "sqitch", table = "events", path = "$work/sqitch" },
           { tool = "django", path = "$tools_dir/django" },
           { tool = "rails", path = "$tools_dir/rails/migrate" },
           { tool = "alembic", path = "$work/alembic/versions" }]
TOML
start_exporter --config.file="$work/exporter.toml"
scrape

sq=$(labels sqitch sqitch events)
expect_metric "$work/metrics" "migration_source_up{$sq}" 1
expect_metric "$work/metrics" "migration_source_files{$sq}" 3
expect_metric "$work/metrics" "migration_pending{$sq}" 0
expect_metric "$work/metrics" "migration_unresolved_failures{$sq}" 1
expect_metric "$work/metrics" "migration_source_info{$sq,state=\"failed\",migration=\"broken\"}" 1
[ "$(exporter_undeployed)" = "$(sqitch_undeployed)" ] \
  || fail "sqitch: exporter says '$(exporter_undeployed)' undeployed, sqitch status '$(sqitch_undeployed)'"
pass "sqitch: the exporter's undeployed changes equal sqitch status's ($(sqitch_undeployed))"
expect_metric "$work/metrics" "migration_history_up{$sq}" 1
expect_metric "$work/metrics" "migration_applied{$sq}" 2
expect_metric "$work/metrics" "migration_failed{$sq}" 1
expect_metric "$work/metrics" "migration_rollbacks{$sq}" 0
expect_metric "$work/metrics" "migration_current_version_info{$sq,version=\"orders\",description=\"Add orders\"}" 1
expect_close "migration_last_failure_timestamp_seconds{$sq}" \
  "$(sql "SELECT extract(epoch FROM committed_at) FROM sqitch.events WHERE event = 'fail'")"
expect_close "migration_last_success_timestamp_seconds{$sq}" \
  "$(sql "SELECT extract(epoch FROM committed_at) FROM sqitch.events WHERE change = 'orders'")"
expect_metric "$work/metrics" "migration_info{$sq,version=\"broken\",description=\"Fails on purpose\",type=\"fail\",script=\"\",installed_by=\"Test Deployer\",success=\"false\"}" 1
expect_absent "migration_duration_seconds_count{$sq}"

al=$(labels alembic public alembic_version)
expect_metric "$work/metrics" "migration_history_up{$al}" 1
expect_metric "$work/metrics" "migration_current_version_info{$al,version=\"b2b2b2b2b2b2\",description=\"\"}" 1
expect_metric "$work/metrics" "migration_current_version_info{$al,version=\"d4d4d4d4d4d4\",description=\"\"}" 1
[ "$(count_series migration_current_version_info "$al")" = 2 ] || fail "alembic: expected exactly 2 heads"
pass "alembic: one current version per head (2)"
expect_metric "$work/metrics" "migration_source_files{$al}" 4
alembic_agrees "with two heads"
[ "$(exporter_heads)" = "$current" ] || fail "alembic: exporter heads '$(exporter_heads)', alembic current '$current'"
expect_metric "$work/metrics" "migration_source_info{$al,state=\"pending\",migration=\"c3c3c3c3c3c3\"}" 1
for family in migration_applied migration_failed migration_rollbacks migration_last_applied_timestamp_seconds; do
  expect_absent "$family{$al}"
done

dj=$(labels django public django_migrations)
expect_metric "$work/metrics" "migration_history_up{$dj}" 1
expect_metric "$work/metrics" "migration_applied{$dj}" 2
expect_metric "$work/metrics" "migration_rollbacks{$dj}" 0
expect_metric "$work/metrics" "migration_current_version_info{$dj,version=\"shop.0002_orders\",description=\"\"}" 1
expect_close "migration_last_applied_timestamp_seconds{$dj}" \
  "$(sql "SELECT extract(epoch FROM max(applied)) FROM django_migrations")"
expect_absent "migration_failed{$dj}"
expect_absent "migration_last_duration_seconds{$dj}"
# Paired with its files: pending as `showmigrations` marks it ("[ ]").
django_pending() { (cd "$tools_dir/django" && DJANGO_DB="$db" DJANGO_SETTINGS_MODULE=settings \
  PYTHONPATH="$tools_dir/django" $python -m django showmigrations shop) | grep -c '\[ \]'; }
expect_metric "$work/metrics" "migration_pending{$dj}" "$(django_pending)"
expect_metric "$work/metrics" "migration_source_info{$dj,state=\"pending\",migration=\"shop.0003_broken\"}" 1
expect_metric "$work/metrics" "migration_missing_source{$dj}" 0

rb=$(labels rails public schema_migrations)
expect_metric "$work/metrics" "migration_history_up{$rb}" 1
expect_metric "$work/metrics" "migration_applied{$rb}" 2
expect_metric "$work/metrics" "migration_current_version_info{$rb,version=\"20260101000100\",description=\"\"}" 1
expect_absent "migration_failed{$rb}"
expect_absent "migration_last_applied_timestamp_seconds{$rb}"
# Paired with its files: pending as ActiveRecord's migrations_status says ("down").
expect_metric "$work/metrics" "migration_pending{$rb}" "$(rails pending)"
expect_metric "$work/metrics" "migration_source_info{$rb,state=\"pending\",migration=\"20260101000200\"}" 1
expect_metric "$work/metrics" "migration_missing_source{$rb}" 0
pass "django and rails: the exporter's pending migrations equal the tools' own status"
[ "$(grep -c '^migration_history_up{' "$work/metrics")" = 4 ] || fail "expected exactly 4 history tables"
pass "exactly the 4 tools' tables were detected (ar_internal_metadata and sqitch's other tables are not histories)"

# --- rollbacks (the last one is waited for: every earlier one is then in the same poll)
alembic downgrade reports@-1 || fail "alembic downgrade failed"
sqitch_run revert -y --to users || fail "sqitch revert failed"
django migrate shop 0001 || fail "django unapply failed"
rails rollback || fail "ActiveRecord rollback failed"
wait_for "migration_rollbacks{$rb}" 1
expect_metric "$work/metrics" "migration_rollbacks{$sq}" 1
expect_metric "$work/metrics" "migration_applied{$sq}" 2
expect_metric "$work/metrics" "migration_current_version_info{$sq,version=\"users\",description=\"Add users\"}" 1
expect_metric "$work/metrics" "migration_rollbacks{$dj}" 1
expect_metric "$work/metrics" "migration_applied{$dj}" 1
expect_metric "$work/metrics" "migration_current_version_info{$dj,version=\"shop.0001_initial\",description=\"\"}" 1
expect_metric "$work/metrics" "migration_rollbacks{$rb}" 1
expect_metric "$work/metrics" "migration_current_version_info{$rb,version=\"20260101000000\",description=\"\"}" 1
expect_metric "$work/metrics" "migration_pending{$dj}" "$(django_pending)"
expect_metric "$work/metrics" "migration_pending{$rb}" "$(rails pending)"
[ "$(count_series migration_current_version_info "$al")" = 1 ] || fail "alembic: one head after the downgrade"
expect_metric "$work/metrics" "migration_current_version_info{$al,version=\"b2b2b2b2b2b2\",description=\"\"}" 1
expect_absent "migration_rollbacks{$al}"
alembic_agrees "after the downgrade"
# A new script on top of the main line that also depends on the reports branch by its label:
# pending; once upgraded to, Alembic applies the branch too, and nothing is pending but c3.
cat >"$work/alembic/versions/e5_summary.py" <<'PY'
"""summary: needs reports"""
from alembic import op

revision = "e5e5e5e5e5e5"
down_revision = "b2b2b2b2b2b2"
branch_labels = None
depends_on = "reports"


def upgrade():
    op.execute("CREATE VIEW alembic_summary AS SELECT count(*) FROM alembic_reports")


def downgrade():
    op.execute("DROP VIEW alembic_summary")
PY
wait_for "migration_source_files{$al}" 5
alembic_agrees "with a new script"
alembic upgrade e5e5e5e5e5e5 || fail "alembic upgrade to the new script failed"
wait_for "migration_pending{$al}" 1
alembic_agrees "after upgrading to a script with depends_on"
# After the revert: orders is pending again, broken still failed; both as sqitch status says.
[ "$(exporter_undeployed)" = "$(sqitch_undeployed)" ] \
  || fail "sqitch after revert: exporter '$(exporter_undeployed)', sqitch status '$(sqitch_undeployed)'"
expect_metric "$work/metrics" "migration_pending{$sq}" 1
pass "sqitch after revert: undeployed changes agree ($(sqitch_undeployed))"

# Fail then deploy: the broken change fixed and deployed. migration_failed keeps the recorded
# failure, the unresolved count (MigrationFailed) returns to 0, nothing is pending.
echo 'CREATE TABLE fixed_after_failure (id int);' >"$work/sqitch/deploy/broken.sql"
sqitch_run deploy || fail "sqitch deploy of the fixed change failed"
wait_for "migration_unresolved_failures{$sq}" 0
expect_metric "$work/metrics" "migration_failed{$sq}" 1
expect_metric "$work/metrics" "migration_pending{$sq}" 0
[ -z "$(sqitch_undeployed)" ] || fail "sqitch status still lists '$(sqitch_undeployed)'"
# A new change in the plan, not deployed yet: pending, as sqitch status lists it.
printf 'extra [broken] 2026-01-01T00:03:00Z Test Deployer <deployer@example.com> # Added later\n' \
  >>"$work/sqitch/sqitch.plan"
wait_for "migration_pending{$sq}" 1
[ "$(exporter_undeployed)" = "$(sqitch_undeployed)" ] && [ "$(sqitch_undeployed)" = extra ] \
  || fail "sqitch with a new change: exporter '$(exporter_undeployed)', sqitch status '$(sqitch_undeployed)'"
pass "sqitch: fail then deploy resolves the failure; a new plan line is pending as sqitch status says"
pass "real Debian tools: sqitch, alembic, django, ActiveRecord verified"
