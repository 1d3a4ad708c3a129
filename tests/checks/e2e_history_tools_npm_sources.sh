#!/usr/bin/env bash
# Expected state (issue 14) against the real npm tools: Sequelize, TypeORM, node-pg-migrate,
# Postgrator and Graphile Migrate each apply two migrations and fail on a third; the exporter pairs
# every table with a copy of its migration files, and its pending set (migration_pending and the
# migration_source_info{state="pending"} names) equals what the tool reports as not applied
# (`sequelize-cli db:migrate:status`, `typeorm migration:show`, `node-pg-migrate up --dry-run`,
# `graphile-migrate status`; Postgrator has no status command: its files minus its rows), after
# the failed run and after one step down. Then an applied Postgrator and Graphile Migrate file is
# edited: the exporter reports the drift by name, and the tool itself refuses to migrate.
check_name=npm_sources
source "$(dirname "${BASH_SOURCE[0]}")/lib/history_tools.bash"
bin="$tools_dir/node_modules/.bin"
for tool in sequelize-cli typeorm node-pg-migrate postgrator graphile-migrate; do
  require_tool "$bin/$tool" "npm ci in tests/tools/history"
done
url="postgres://postgres@127.0.0.1:$PGPORT/$db"
# Copies: the drift step edits applied files, never the tracked ones.
src="$work/src"
mkdir -p "$src/graphile/migrations"
for tool in sequelize typeorm node-pg-migrate postgrator; do cp -r "$tools_dir/$tool" "$src/"; done
cp -r "$tools_dir/graphile-migrate/committed" "$src/graphile/migrations/"

# --- the tools migrate: two good migrations each, then the failing one (its error is expected)
sequelize() { "$bin/sequelize-cli" "$@" --url "$url" --migrations-path "$src/sequelize/migrations" 2>>"$work/sequelize.log"; }
if sequelize db:migrate >>"$work/sequelize.log"; then fail "sequelize applied the broken migration"; fi

# NODE_PATH: the copied datasource.js requires typeorm from outside the tools' tree. Without CI in
# its environment: with CI=true (as CI runs) `migration:show` printed no migration lines.
typeorm() { env -u CI NODE_PATH="$tools_dir/node_modules" TYPEORM_URL="$url" "$bin/typeorm" "$@" -d "$src/typeorm/datasource.js" 2>>"$work/typeorm.log"; }
if typeorm migration:run -t each >>"$work/typeorm.log"; then fail "typeorm applied the broken migration"; fi

pgmigrate() { DATABASE_URL="$url" "$bin/node-pg-migrate" "$@" -m "$src/node-pg-migrate/migrations" 2>>"$work/pgmigrate.log"; }
pgmigrate up 2 >>"$work/pgmigrate.log" || fail "node-pg-migrate up failed"
if pgmigrate up >>"$work/pgmigrate.log"; then fail "node-pg-migrate applied the broken migration"; fi

cat >"$work/postgrator.json" <<JSON
{"driver": "pg", "host": "127.0.0.1", "port": $PGPORT, "database": "$db", "username": "postgres",
 "migrationPattern": "$src/postgrator/migrations/*"}
JSON
postgrator() { "$bin/postgrator" "$@" --config "$work/postgrator.json" >>"$work/postgrator.log" 2>&1; }
postgrator 2 || fail "postgrator failed"
if postgrator; then fail "postgrator applied the broken migration"; fi

# `status` wants a shadow database named, though it never connects to it.
echo "{ \"connectionString\": \"$url\", \"shadowConnectionString\": \"${url}_shadow\" }" \
  >"$src/graphile/.gmrc"
graphile() { (cd "$src/graphile" && "$bin/graphile-migrate" "$@" 2>>"$work/graphile.log"); }
graphile migrate >>"$work/graphile.log" || fail "graphile-migrate migrate failed"
cp "$tools_dir/graphile-migrate/broken/000003-broken.sql" "$src/graphile/migrations/committed/"
if graphile migrate >>"$work/graphile.log"; then fail "graphile-migrate applied the broken migration"; fi
pass "sequelize, typeorm, node-pg-migrate, postgrator, graphile-migrate migrated (each failed once)"

cat >"$work/exporter.toml" <<TOML
[collectors.history]
sources = [{ tool = "sequelize", path = "$src/sequelize/migrations" },
           { tool = "typeorm", path = "$src/typeorm/migrations" },
           { tool = "node-pg-migrate", path = "$src/node-pg-migrate/migrations" },
           { tool = "postgrator", path = "$src/postgrator/migrations" },
           { tool = "graphile-migrate", path = "$src/graphile/migrations" }]
TOML

# What each tool itself reports as not applied, one name a line, sorted (one tool start each).
tool_pending() {
  case "$1" in
    sequelize)  # "down 20260101000200-broken.js"
      sequelize db:migrate:status | sed -n 's/^down \(.*\)$/\1/p' ;;
    typeorm)  # "[ ] Broken1767225720000"
      typeorm migration:show | sed -n 's/^ *\[ \] \(.*\)$/\1/p' ;;
    node-pg-migrate)  # dry run: "> Migrating files:" then "> - 1767225720000_broken"
      pgmigrate up --dry-run | sed -n 's/^> - \(.*\)$/\1/p' ;;
    postgrator)  # no status command: the do files whose version has no row (a row per version)
      local applied
      applied=$(sql "SELECT string_agg(version::text, ' ') FROM schemaversion WHERE version > 0")
      for f in "$src"/postgrator/migrations/*.do.*; do
        v=$(basename "$f" | cut -d. -f1 | sed 's/^0*//')
        case " $applied " in *" $v "*) ;; *) echo "$v" ;; esac
      done ;;
    graphile-migrate)  # "There are N committed migrations pending:", "  000003.sql" lines, exit 1
      { graphile status || [ $? = 1 ]; } | sed -n '/committed migrations pending/,$ s/^  \([0-9].*\)$/\1/p' ;;
  esac | sort
}
# exporter_pending TOOL SCHEMA TABLE: the migration_source_info{state="pending"} names, sorted.
exporter_pending() {
  grep -F "migration_source_info{$(labels "$1" "$2" "$3"),state=\"pending\"," "$work/metrics" \
    | sed 's/.*,migration="\([^"]*\)"}.*/\1/' | sort
}
# same_pending TOOL SCHEMA TABLE: both the count and the names agree with the tool.
same_pending() {
  local t want got
  t=$(labels "$1" "$2" "$3")
  want=$(tool_pending "$1")
  # A tool that could not start or connect prints nothing: asked once more, then its log is shown.
  [ -n "$want" ] || { sleep 1; want=$(tool_pending "$1"); }
  got=$(exporter_pending "$1" "$2" "$3")
  [ -n "$want" ] || { tail -n 20 "$work"/*.log >&2; fail "$1: its status reported nothing pending"; }
  expect_metric "$work/metrics" "migration_source_up{$t}" 1
  expect_metric "$work/metrics" "migration_pending{$t}" "$(wc -l <<<"$want")"
  expect_metric "$work/metrics" "migration_missing_source{$t}" 0
  expect_metric "$work/metrics" "migration_checksum_mismatch{$t}" 0
  [ "$want" = "$got" ] || fail "$1: pending per the tool: $(echo $want), per the exporter: $(echo $got)"
  pass "$1: the exporter's pending migrations are the tool's ($(echo $want))"
}
all_same_pending() {
  same_pending sequelize public SequelizeMeta
  same_pending typeorm public migrations
  same_pending node-pg-migrate public pgmigrations
  same_pending postgrator public schemaversion
  same_pending graphile-migrate graphile_migrate migrations
}

start_exporter --config.file="$work/exporter.toml"
scrape
all_same_pending

# --- one step down each (graphile-migrate has no down migrations): two pending now
sequelize db:migrate:undo >>"$work/sequelize.log" || fail "sequelize undo failed"
typeorm migration:revert >>"$work/typeorm.log" || fail "typeorm revert failed"
pgmigrate down 1 >>"$work/pgmigrate.log" || fail "node-pg-migrate down failed"
postgrator 1 || fail "postgrator undo failed"
wait_for "migration_pending{$(labels postgrator public schemaversion)}" 2
all_same_pending

# --- drift: an applied file edited. Postgrator records the file's MD5 and validates it first.
echo "-- edited after it ran" >>"$src/postgrator/migrations/001.do.create_users.sql"
t=$(labels postgrator public schemaversion)
wait_for "migration_checksum_mismatch{$t}" 1
expect_metric "$work/metrics" "migration_source_info{$t,state=\"checksum_mismatch\",migration=\"1\"}" 1
if postgrator; then fail "postgrator migrated over an edited applied migration"; fi
grep -q 'MD5 checksum failed for migration \[1\]' "$work/postgrator.log" \
  || fail "postgrator did not refuse with its checksum error (see $work/postgrator.log)"
[ "$(sql "SELECT max(version) FROM schemaversion")" = 1 ] || fail "postgrator ran migrations anyway"
pass "postgrator: the exporter's drift is the one postgrator refuses on (MD5 of 001)"

# Graphile Migrate checks a committed file's hash only before running it; an applied file edited and
# re-hashed breaks the next file's `--! Previous:` chain, which every command refuses. The broken
# pending file goes first, so that the refusal can only be the chain's.
rm "$src/graphile/migrations/committed/000003-broken.sql"
graphile migrate >>"$work/graphile.log" || fail "graphile-migrate refused its unedited files"
f="$src/graphile/migrations/committed/000001-create_users.sql"
body="CREATE TABLE graphile_users (id int PRIMARY KEY, name text);"
hash="sha1:$(printf '%s\n' "$body" | sha1sum | cut -d' ' -f1)"
printf -- '--! Previous: -\n--! Hash: %s\n--! Message: create_users\n\n%s\n' "$hash" "$body" >"$f"
t=$(labels graphile-migrate graphile_migrate migrations)
wait_for "migration_checksum_mismatch{$t}" 1
expect_metric "$work/metrics" "migration_source_info{$t,state=\"checksum_mismatch\",migration=\"000001.sql\"}" 1
expect_metric "$work/metrics" "migration_pending{$t}" 0
expect_metric "$work/metrics" "migration_source_problem_files{$t}" 1  # 000002: its chain link broke
if graphile migrate >>"$work/graphile.log"; then fail "graphile-migrate migrated over an edited applied migration"; fi
grep -q "doesn't match '000002.sql''s expected previous hash" "$work/graphile.log" \
  || fail "graphile-migrate did not refuse on the broken chain (see $work/graphile.log)"
pass "graphile-migrate: the exporter's drift is the one graphile-migrate refuses on (000001 re-hashed)"
pass "real npm tools' pending sets and drift: sequelize, typeorm, node-pg-migrate, postgrator, graphile-migrate agree with the exporter"
