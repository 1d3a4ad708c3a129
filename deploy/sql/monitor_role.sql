-- Least-privilege monitoring role for migration_exporter: pg_monitor plus SELECT on the migration
-- history tables that exist in this database, nothing else.
--
-- Run it with psql, as a superuser (or, on managed services, the admin role that owns the tables and
-- may grant pg_monitor), in EVERY database the exporter watches (the role is cluster-wide, table
-- grants are per database). It is idempotent: run it again after a tool creates its history table
-- for the first time (a deploy-pipeline step after the migrations is a good place).
--
--   psql -d appdb -f deploy/sql/monitor_role.sql
--   psql -d appdb -v role=my_monitor -v extra_tables=ops.deploy_history,my_flyway_table -f ...
--
-- psql variables:
--   role          name of the LOGIN role (default migration_exporter); created when missing.
--   extra_tables  comma-separated custom history table names (Flyway's `table` setting, Knex's
--                 `tableName`, ...): `name` in any schema, or `schema.name`.
--   sqitch_schema Sqitch registry schema (engine.pg.registry; default sqitch).
--   sequences     on: also SELECT on every sequence that exists now, for the sequence_usage
--                 collector (SELECT on a sequence shows its current value, nothing else; no schema
--                 USAGE is needed, sequences are read by oid). Default off.
--
-- The password is deliberately not set here (it would end up in shell history and server logs).
-- Set it afterwards from psql, which hashes it client-side (SCRAM) before sending:
--   \password migration_exporter
-- or use a passwordless method (client certificates, IAM auth on managed services).
--
-- Tables created AFTER this script ran are not covered. Rather than a broad
--   ALTER DEFAULT PRIVILEGES FOR ROLE <migration_owner> IN SCHEMA <schema>
--     GRANT SELECT ON TABLES TO migration_exporter;
-- (which would also expose every future APPLICATION table of that schema), re-run this script
-- after migrations. Use default privileges only in a schema that holds nothing but migration
-- metadata, such as Sqitch's `sqitch` registry or Atlas's `atlas_schema_revisions` schema.

\set ON_ERROR_STOP on
\if :{?role}
\else
  \set role migration_exporter
\endif
\if :{?extra_tables}
\else
  \set extra_tables ''
\endif
\if :{?sqitch_schema}
\else
  \set sqitch_schema sqitch
\endif
\if :{?sequences}
\else
  \set sequences off
\endif

BEGIN;

SELECT NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') AS create_role \gset
\if :create_role
  -- INHERIT so pg_monitor's privileges apply without SET ROLE; everything else explicitly off.
  CREATE ROLE :"role" LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
\endif
-- The exporter never writes; make that the role's default too (its sessions also set it).
ALTER ROLE :"role" SET default_transaction_read_only = on;

-- pg_monitor = pg_read_all_settings + pg_read_all_stats + pg_stat_scan_tables: full
-- pg_stat_activity, pg_locks, replication and table statistics. No data access.
SELECT format('GRANT pg_monitor TO %I', :'role')
WHERE NOT EXISTS (SELECT FROM pg_auth_members
                  WHERE roleid = 'pg_monitor'::regrole AND member = to_regrole(quote_ident(:'role'))) \gexec
-- Needed only where CONNECT was revoked from PUBLIC (hardened databases); harmless elsewhere.
SELECT format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), :'role') \gexec

-- Every history/lock table the exporter knows (deploy/sql/monitor_role.sql is kept in step with
-- the tool descriptions; see docs/readme/deploy.md). `schema_name` NULL = any schema; tools whose
-- tables have generic names are only matched inside their own dedicated schema.
CREATE TEMP TABLE me_history_tables (schema_name name, table_name name) ON COMMIT DROP;
INSERT INTO me_history_tables (schema_name, table_name) VALUES
  (NULL, 'flyway_schema_history'),                 -- Flyway
  (NULL, 'databasechangelog'),                     -- Liquibase
  (NULL, 'databasechangeloglock'),                 -- Liquibase lock row
  (NULL, 'alembic_version'),                       -- Alembic
  (NULL, 'django_migrations'),                     -- Django
  (NULL, 'schema_migrations'),                     -- Rails, golang-migrate, dbmate
  (NULL, 'goose_db_version'),                      -- goose
  (NULL, 'goose_lock'),                            -- goose table locker
  (NULL, 'gorp_migrations'),                       -- sql-migrate
  (NULL, '_prisma_migrations'),                    -- Prisma Migrate
  (NULL, 'knex_migrations'),                       -- Knex
  (NULL, 'knex_migrations_lock'),                  -- Knex lock row
  (NULL, 'SequelizeMeta'),                         -- Sequelize
  (NULL, 'migrations'),                            -- TypeORM, Laravel
  (NULL, 'pgmigrations'),                          -- node-pg-migrate
  (NULL, 'atlas_schema_revisions'),                -- Atlas
  (NULL, '__diesel_schema_migrations'),            -- Diesel
  (NULL, '__EFMigrationsHistory'),                 -- Entity Framework Core
  (NULL, 'tb_confiture'),                          -- Confiture
  (NULL, 'confiture_lock_holder'),                 -- Confiture lock diagnostics
  (NULL, 'schemaversion'),                         -- Postgrator
  ('graphile_migrate', 'migrations'),              -- Graphile Migrate
  (:'sqitch_schema', 'changes'),                   -- Sqitch registry: deployed changes
  (:'sqitch_schema', 'events'),                    -- Sqitch registry: history incl. failures
  (:'sqitch_schema', 'projects'),
  (:'sqitch_schema', 'tags');
INSERT INTO me_history_tables (schema_name, table_name)
SELECT CASE WHEN entry LIKE '%.%' THEN split_part(entry, '.', 1) END,
       CASE WHEN entry LIKE '%.%' THEN split_part(entry, '.', 2) ELSE entry END
FROM unnest(string_to_array(:'extra_tables', ',')) AS raw(value),
     LATERAL (SELECT btrim(raw.value) AS entry) AS trimmed
WHERE entry <> '';

CREATE TEMP TABLE me_granted ON COMMIT DROP AS
SELECT DISTINCT n.nspname AS schema_name, c.relname AS table_name
FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace
JOIN me_history_tables AS h
  ON c.relname = h.table_name AND (h.schema_name IS NULL OR n.nspname = h.schema_name)
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_';

SELECT DISTINCT format('GRANT USAGE ON SCHEMA %I TO %I', schema_name, :'role')
FROM me_granted \gexec
SELECT format('GRANT SELECT ON TABLE %I.%I TO %I', schema_name, table_name, :'role')
FROM me_granted ORDER BY schema_name, table_name \gexec

\if :sequences
SELECT format('GRANT SELECT ON SEQUENCE %I.%I TO %I', n.nspname, c.relname, :'role')
FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE c.relkind = 'S' AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
ORDER BY n.nspname, c.relname \gexec
\endif

\echo
\echo 'migration history tables readable by the monitoring role in this database:'
SELECT schema_name AS schema, table_name AS table FROM me_granted ORDER BY 1, 2;

COMMIT;
