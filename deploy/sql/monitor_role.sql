-- Least-privilege monitoring role for migration_exporter (psql script).
--   psql -d yourdb -v role=migration_exporter -f deploy/sql/monitor_role.sql
-- then set its password: ALTER ROLE migration_exporter PASSWORD '...';
-- Grants pg_monitor plus SELECT on the Flyway history tables that exist now; nothing else.
\if :{?role}
\else
  \set role migration_exporter
\endif
SELECT format('CREATE ROLE %I LOGIN', :'role')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('GRANT pg_monitor TO %I', :'role') \gexec
SELECT format('GRANT USAGE ON SCHEMA %I TO %I', n.nspname, :'role')
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relname IN ('flyway_schema_history') AND c.relkind IN ('r', 'p')
 GROUP BY n.nspname \gexec
SELECT format('GRANT SELECT ON %I.%I TO %I', n.nspname, c.relname, :'role')
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relname IN ('flyway_schema_history') AND c.relkind IN ('r', 'p') \gexec
