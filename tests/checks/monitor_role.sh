#!/usr/bin/env bash
# Check: deploy/sql/monitor_role.sql, run with psql on the throwaway cluster, creates a role that can
# read the migration history tables of two schemas and nothing else: no application data, no
# writes, no DDL, no other role than pg_monitor, no other schema; and running it twice is harmless.
set -euo pipefail
src=${ME_SOURCE_DIR:?ME_SOURCE_DIR is not set}
pg_dir=$(cat "${ME_PG_DIR_FILE:?ME_PG_DIR_FILE is not set}")
# shellcheck source=/dev/null
source "$pg_dir/env"
export PGHOST PGPORT PGUSER PGDATABASE
command -v psql >/dev/null || { echo "FAIL: psql is missing (postgresql-client-15)" >&2; exit 1; }

db=me_role_check_$$
role=me_monitor_check_$$
admin() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$db" "$@"; }
# As the monitoring role, over TCP like the exporter; read-only default switched off so that a
# refused write proves missing privileges, not just the role's read-only default.
as_role() { PGOPTIONS="-c default_transaction_read_only=off" psql -X -q -v ON_ERROR_STOP=1 -At -h 127.0.0.1 -U "$role" -d "$db" "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

cleanup() {
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  psql -X -q -d postgres -c "DROP ROLE IF EXISTS $role" >/dev/null 2>&1 || true
}
trap cleanup EXIT
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $db"

# Two application schemas with history tables of several tools, a Sqitch registry, application
# tables beside them (one named like a Sqitch table outside the registry), and a custom-named
# Flyway table passed through extra_tables.
admin <<'SQL'
CREATE SCHEMA app;
CREATE SCHEMA billing;
CREATE SCHEMA sqitch;
CREATE SCHEMA reporting;
CREATE TABLE public.flyway_schema_history (installed_rank int PRIMARY KEY, version varchar(50),
  description varchar(200) NOT NULL, type varchar(20) NOT NULL, script varchar(1000) NOT NULL,
  checksum int, installed_by varchar(100) NOT NULL, installed_on timestamp NOT NULL DEFAULT now(),
  execution_time int NOT NULL, success boolean NOT NULL);
INSERT INTO public.flyway_schema_history VALUES (1, '1', 'init', 'SQL', 'V1__init.sql', 1, 'deploy', now(), 12, true);
CREATE TABLE billing.flyway_schema_history (LIKE public.flyway_schema_history INCLUDING ALL);
INSERT INTO billing.flyway_schema_history SELECT * FROM public.flyway_schema_history;
CREATE TABLE billing."__EFMigrationsHistory" ("MigrationId" varchar(150) PRIMARY KEY, "ProductVersion" varchar(32) NOT NULL);
CREATE TABLE app.knex_migrations (id serial PRIMARY KEY, name varchar(255), batch int, migration_time timestamptz);
CREATE TABLE app.knex_migrations_lock (index serial PRIMARY KEY, is_locked int);
CREATE TABLE app."SequelizeMeta" (name varchar(255) PRIMARY KEY);
CREATE TABLE app.deploy_history (LIKE public.flyway_schema_history);
CREATE TABLE sqitch.changes (change_id text PRIMARY KEY, change text NOT NULL);
CREATE TABLE sqitch.events (event text NOT NULL, change_id text NOT NULL);
CREATE TABLE public.orders (id int PRIMARY KEY, customer text NOT NULL);
INSERT INTO public.orders VALUES (1, 'alice');
CREATE TABLE billing.invoices (id int PRIMARY KEY, amount numeric NOT NULL);
CREATE TABLE app.changes (id int PRIMARY KEY);
CREATE TABLE reporting.daily (day date PRIMARY KEY);
SQL

script=$src/deploy/sql/monitor_role.sql
admin -v role="$role" -v extra_tables="app.deploy_history" -f "$script" >/dev/null
admin -v role="$role" -v extra_tables="app.deploy_history" -f "$script" >/dev/null
echo "monitor_role.sql ran twice in $db (idempotent)"

expected_tables="app.\"SequelizeMeta\"
app.deploy_history
app.knex_migrations
app.knex_migrations_lock
billing.\"__EFMigrationsHistory\"
billing.flyway_schema_history
public.flyway_schema_history
sqitch.changes
sqitch.events"

# Privileges as the catalog sees them: exactly the history tables, SELECT only.
readable=$(admin -c "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
    AND has_table_privilege('$role', c.oid, 'SELECT') ORDER BY 1")
[ "$readable" = "$expected_tables" ] || fail "readable tables differ:
--- expected
$expected_tables
--- actual
$readable"
writable=$(admin -c "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND has_table_privilege('$role', c.oid, 'INSERT,UPDATE,DELETE,TRUNCATE,REFERENCES,TRIGGER')")
[ "$writable" = 0 ] || fail "the role may modify $writable table(s)"
usage=$(admin -c "SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace
  WHERE nspname IN ('app', 'billing', 'sqitch', 'reporting') AND has_schema_privilege('$role', oid, 'USAGE')")
[ "$usage" = "app,billing,sqitch" ] || fail "schema USAGE is '$usage', expected app,billing,sqitch (not reporting)"
creatable=$(admin -c "SELECT count(*) FROM pg_namespace WHERE nspname !~ '^pg_' AND nspname <> 'information_schema'
  AND has_schema_privilege('$role', oid, 'CREATE')")
[ "$creatable" = 0 ] || fail "the role may create objects in $creatable schema(s)"
echo "catalog: SELECT on exactly the $(wc -l <<<"$expected_tables") history tables, no write privilege, USAGE on app,billing,sqitch only, CREATE nowhere"

attributes=$(admin -c "SELECT concat_ws(',', rolcanlogin, rolinherit, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls)
  FROM pg_roles WHERE rolname = '$role'")
[ "$attributes" = "t,t,f,f,f,f,f" ] || fail "role attributes (login,inherit,super,createdb,createrole,replication,bypassrls) = $attributes"
memberships=$(admin -c "SELECT string_agg(r.rolname, ',' ORDER BY r.rolname) FROM pg_auth_members m
  JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = '$role'")
[ "$memberships" = pg_monitor ] || fail "role memberships are '$memberships', expected exactly pg_monitor"
echo "role: LOGIN INHERIT, no superuser/createdb/createrole/replication/bypassrls, member of pg_monitor only"

# Now as the role itself, over TCP.
rows=$(as_role -c "SELECT (SELECT count(*) FROM public.flyway_schema_history) + (SELECT count(*) FROM billing.flyway_schema_history)
  + (SELECT count(*) FROM billing.\"__EFMigrationsHistory\") + (SELECT count(*) FROM app.knex_migrations)
  + (SELECT count(*) FROM app.knex_migrations_lock) + (SELECT count(*) FROM app.\"SequelizeMeta\")
  + (SELECT count(*) FROM app.deploy_history) + (SELECT count(*) FROM sqitch.changes) + (SELECT count(*) FROM sqitch.events)")
[ "$rows" = 2 ] || fail "as the role, the history tables returned $rows rows, expected 2"
echo "as the role: SELECT on all nine history tables works (2 rows)"

expect_denied() {
  local what=$1 sql=$2 out
  if out=$(as_role -c "$sql" 2>&1); then fail "as the role, $what succeeded: $sql"; fi
  grep -q "permission denied" <<<"$out" || fail "as the role, $what failed for another reason: $out"
  echo "as the role: $what is refused (permission denied)"
}
expect_denied "reading application table public.orders" "SELECT * FROM public.orders"
expect_denied "reading application table billing.invoices" "SELECT * FROM billing.invoices"
expect_denied "reading app.changes (Sqitch's name outside its registry)" "SELECT * FROM app.changes"
expect_denied "reading reporting.daily (schema without history)" "SELECT * FROM reporting.daily"
expect_denied "inserting into flyway_schema_history" \
  "INSERT INTO public.flyway_schema_history VALUES (2, '2', 'x', 'SQL', 'V2__x.sql', 1, 'me', now(), 1, true)"
expect_denied "updating knex_migrations_lock" "UPDATE app.knex_migrations_lock SET is_locked = 1"
expect_denied "deleting from sqitch.events" "DELETE FROM sqitch.events"
expect_denied "creating a table in public" "CREATE TABLE public.monitor_owned (id int)"
expect_denied "creating a schema" "CREATE SCHEMA monitor_owned"

member=$(as_role -c "SELECT pg_has_role(current_user, 'pg_monitor', 'USAGE')")
[ "$member" = t ] || fail "the role does not hold pg_monitor's privileges"
settings=$(as_role -c "SHOW data_directory")
[ -n "$settings" ] || fail "pg_read_all_settings (via pg_monitor) does not work"
echo "as the role: holds pg_monitor (pg_has_role USAGE, reads superuser-only settings)"

readonly_default=$(psql -X -At -h 127.0.0.1 -U "$role" -d "$db" -c "SHOW default_transaction_read_only")
[ "$readonly_default" = on ] || fail "the role's sessions do not default to read-only"
echo "the role's sessions default to read-only"
echo "monitor_role check passed"
