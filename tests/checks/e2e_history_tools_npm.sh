#!/usr/bin/env bash
# End to end with the real npm-installed tools: Knex, Sequelize (sequelize-cli), TypeORM,
# node-pg-migrate, Postgrator, Graphile Migrate and dbmate all migrate one database (two
# successful migrations each, then one that fails: none of them records a failure), the exporter
# scrapes it as the least-privilege role, and every tool's series are asserted; then each tool
# that can goes down one step and the rollback seen as the current version moving back is asserted.
# dbmate's and Knex's tables are paired with their migration files: the exporter's pending count
# equals `dbmate status`'s and `knex migrate:list`'s, after the failed run and after the rollback.
# The other npm tools' pending sets and drift: e2e_history_tools_npm_sources.sh.
check_name=npm
source "$(dirname "${BASH_SOURCE[0]}")/lib/history_tools.bash"
bin="$tools_dir/node_modules/.bin"
dbmate_bin="$tools_dir/node_modules/@dbmate/linux-x64/bin/dbmate"
for tool in "$bin/knex" "$bin/sequelize-cli" "$bin/typeorm" "$bin/node-pg-migrate" "$bin/postgrator" \
  "$bin/graphile-migrate" "$dbmate_bin"; do
  require_tool "$tool" "npm ci in tests/tools/history"
done
url="postgres://postgres@127.0.0.1:$PGPORT/$db"

# --- the tools migrate: two good migrations each, then a failing one (its error output is expected)
knex() { KNEX_URL="$url" "$bin/knex" --knexfile "$tools_dir/knex/knexfile.js" "$@" >>"$work/knex.log" 2>&1; }
knex migrate:up && knex migrate:up || fail "knex migrate:up failed"
if knex migrate:up; then fail "knex applied the broken migration"; fi

sequelize() { "$bin/sequelize-cli" "$@" --url "$url" --migrations-path "$tools_dir/sequelize/migrations" >>"$work/sequelize.log" 2>&1; }
if sequelize db:migrate; then fail "sequelize applied the broken migration"; fi

typeorm() { TYPEORM_URL="$url" "$bin/typeorm" "$@" -d "$tools_dir/typeorm/datasource.js" >>"$work/typeorm.log" 2>&1; }
if typeorm migration:run -t each; then fail "typeorm applied the broken migration"; fi

pgmigrate() { DATABASE_URL="$url" "$bin/node-pg-migrate" "$@" -m "$tools_dir/node-pg-migrate/migrations" >>"$work/pgmigrate.log" 2>&1; }
pgmigrate up 2 || fail "node-pg-migrate up failed"
if pgmigrate up; then fail "node-pg-migrate applied the broken migration"; fi

cat >"$work/postgrator.json" <<JSON
{"driver": "pg", "host": "127.0.0.1", "port": $PGPORT, "database": "$db", "username": "postgres",
 "migrationPattern": "$tools_dir/postgrator/migrations/*"}
JSON
postgrator() { "$bin/postgrator" "$@" --config "$work/postgrator.json" >>"$work/postgrator.log" 2>&1; }
postgrator 2 || fail "postgrator failed"
if postgrator; then fail "postgrator applied the broken migration"; fi

mkdir -p "$work/graphile/migrations"
cp -r "$tools_dir/graphile-migrate/committed" "$work/graphile/migrations/"
echo "{ \"connectionString\": \"$url\" }" >"$work/graphile/.gmrc"
graphile() { (cd "$work/graphile" && "$bin/graphile-migrate" "$@" >>"$work/graphile.log" 2>&1); }
graphile migrate || fail "graphile-migrate migrate failed"
cp "$tools_dir/graphile-migrate/broken/000003-broken.sql" "$work/graphile/migrations/committed/"
if graphile migrate; then fail "graphile-migrate applied the broken migration"; fi

dbmate() { "$dbmate_bin" --url "$url?sslmode=disable" --migrations-dir "$tools_dir/dbmate/migrations" --no-dump-schema "$@" >>"$work/dbmate.log" 2>&1; }
if dbmate up; then fail "dbmate applied the broken migration"; fi
pass "knex, sequelize, typeorm, node-pg-migrate, postgrator, graphile-migrate, dbmate migrated (each failed once, as meant)"

# dbmate's and Knex's histories paired with their migration directories: the exporter's pending
# count must be what the tools' own status commands report.
cat >"$work/exporter.toml" <<TOML
[collectors.history]
sources = [{ tool = "dbmate", path = "$tools_dir/dbmate/migrations" },
           { tool = "knex", path = "$tools_dir/knex/migrations" }]
TOML
dbmate_pending() {
  "$dbmate_bin" --url "$url?sslmode=disable" --migrations-dir "$tools_dir/dbmate/migrations" status 2>/dev/null \
    | sed -n 's/^Pending: *//p'
}
knex_pending() {  # "Found N Pending Migration file/files." or "No Pending Migration files Found."
  local n
  n=$(KNEX_URL="$url" "$bin/knex" --knexfile "$tools_dir/knex/knexfile.js" migrate:list 2>/dev/null \
    | sed -n 's/^Found \([0-9]*\) Pending.*/\1/p')
  echo "${n:-0}"
}
# expect_pending_as_tool TOOL TABLE COUNT-FROM-THE-TOOL
expect_pending_as_tool() {
  local t
  t=$(labels "$1" public "$2")
  [ -n "$3" ] || fail "$1: its status command reported no pending count"
  expect_metric "$work/metrics" "migration_source_up{$t}" 1
  expect_metric "$work/metrics" "migration_pending{$t}" "$3"
  expect_metric "$work/metrics" "migration_missing_source{$t}" 0
  pass "$1: the exporter's pending migrations equal its status command's ($3)"
}

start_exporter --config.file="$work/exporter.toml"
scrape
expect_pending_as_tool dbmate schema_migrations "$(dbmate_pending)"
expect_pending_as_tool knex knex_migrations "$(knex_pending)"
expect_metric "$work/metrics" "migration_source_info{$(labels dbmate public schema_migrations),state=\"pending\",migration=\"20260101000200\"}" 1

# check_tool TOOL SCHEMA TABLE APPLIED VERSION DESCRIPTION [APPLIED-AT SQL]: the families every one
# of these tools has, and the ones none of them can fill (failures, durations) left out.
check_tool() {
  local t
  t=$(labels "$1" "$2" "$3")
  expect_metric "$work/metrics" "migration_history_up{$t}" 1
  expect_metric "$work/metrics" "migration_applied{$t}" "$4"
  expect_metric "$work/metrics" "migration_rollbacks{$t}" 0
  expect_metric "$work/metrics" "migration_current_version_info{$t,version=\"$5\",description=\"$6\"}" 1
  expect_absent "migration_failed{$t}"
  expect_absent "migration_duration_seconds_count{$t}"
  if [ -n "${7:-}" ]; then
    expect_close "migration_last_applied_timestamp_seconds{$t}" "$(sql "$7")"
  else
    expect_absent "migration_last_applied_timestamp_seconds{$t}"
  fi
}
check_tool knex public knex_migrations 2 20260101000100_create_orders.js "" \
  "SELECT extract(epoch FROM max(migration_time)) FROM knex_migrations"
check_tool sequelize public SequelizeMeta 2 20260101000100-create-orders.js ""
check_tool typeorm public migrations 2 1767225660000 CreateOrders1767225660000
check_tool node-pg-migrate public pgmigrations 2 1767225660000_create-orders "" \
  "SELECT extract(epoch FROM max(run_on)) FROM pgmigrations"
check_tool postgrator public schemaversion 2 2 create_orders \
  "SELECT extract(epoch FROM max(run_at)) FROM schemaversion"
check_tool graphile-migrate graphile_migrate migrations 2 000002 "" \
  "SELECT extract(epoch FROM max(date)) FROM graphile_migrate.migrations"
check_tool dbmate public schema_migrations 2 20260101000100 ""
[ "$(grep -c '^migration_history_up{' "$work/metrics")" = 7 ] || fail "expected exactly 7 history tables"
pass "exactly the 7 tools' tables were detected (TypeORM's and Graphile's 'migrations' told apart)"

# --- one step down each (graphile-migrate has no down migrations); the last one is waited for
knex migrate:rollback || fail "knex rollback failed"
sequelize db:migrate:undo || fail "sequelize undo failed"
typeorm migration:revert || fail "typeorm revert failed"
pgmigrate down 1 || fail "node-pg-migrate down failed"
postgrator 1 || fail "postgrator undo failed"
dbmate rollback || fail "dbmate rollback failed"
wait_for "migration_rollbacks{$(labels dbmate public schema_migrations)}" 1
went_back() {  # TOOL TABLE VERSION DESCRIPTION
  local t
  t=$(labels "$1" public "$2")
  expect_metric "$work/metrics" "migration_rollbacks{$t}" 1
  expect_metric "$work/metrics" "migration_applied{$t}" 1
  expect_metric "$work/metrics" "migration_current_version_info{$t,version=\"$3\",description=\"$4\"}" 1
}
went_back knex knex_migrations 20260101000000_create_users.js ""
went_back sequelize SequelizeMeta 20260101000000-create-users.js ""
went_back typeorm migrations 1767225600000 CreateUsers1767225600000
went_back node-pg-migrate pgmigrations 1767225600000_create-users ""
went_back postgrator schemaversion 1 create_users
went_back dbmate schema_migrations 20260101000000 ""
expect_pending_as_tool dbmate schema_migrations "$(dbmate_pending)"
expect_pending_as_tool knex knex_migrations "$(knex_pending)"
pass "real npm tools: knex, sequelize, typeorm, node-pg-migrate, postgrator, graphile-migrate, dbmate verified"
