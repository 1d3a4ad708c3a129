#!/bin/sh
# Compose demo only (run by the postgres image's init step): gives the monitoring role created by
# monitor_role.sql the password the exporter's DATA_SOURCE_NAME uses. The value comes from the
# environment, so it is typed nowhere; in production use psql's \password instead.
set -eu
psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v password="$MONITOR_PASSWORD" <<'SQL'
ALTER ROLE migration_exporter PASSWORD :'password';
SQL
