#!/usr/bin/env bash
# The demo (README): installs what is missing, builds, starts a throwaway PostgreSQL seeded with a
# realistic Flyway history (including a failed migration), and runs the exporter against it as the
# least-privilege monitoring role. Ctrl-C stops everything and deletes the cluster.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
port=${ME_DEMO_PORT:-10211}

scripts/install-deps.sh
cmake -S . -B build-demo -G Ninja -DME_TESTS=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-demo -j "$(nproc)"

cluster=$(mktemp -d /tmp/me-demo.XXXXXX)
exporter_pid=""
cleanup() {
  trap - EXIT INT TERM
  [ -n "$exporter_pid" ] && kill "$exporter_pid" 2>/dev/null && wait "$exporter_pid" 2>/dev/null
  tests/pg_cluster.sh stop "$cluster"
  echo "demo stopped; throwaway cluster removed"
}
trap cleanup EXIT INT TERM

tests/pg_cluster.sh start "$cluster"
set -a; source "$cluster/env"; set +a
createdb shop
psql -q -v ON_ERROR_STOP=1 -d shop -f scripts/demo/seed.sql
# Each capability seeds what its first scrape should show in a file of its own, run in name order.
for extra in scripts/demo/seed.d/*.sql; do
  [ -e "$extra" ] || continue
  psql -q -v ON_ERROR_STOP=1 -d shop -f "$extra"
done
# A second tenant database, cloned from shop and left behind the code (its last deploy stopped after
# 1.5): auto-discovery (scripts/demo/sources.toml) shows it under its own datname, pending included.
createdb -T shop shop_eu
psql -q -v ON_ERROR_STOP=1 -d shop_eu -c "DELETE FROM flyway_schema_history WHERE installed_rank > 5"
for db in shop shop_eu; do
  psql -q -v ON_ERROR_STOP=1 -d "$db" -v role=migration_exporter -f deploy/sql/monitor_role.sql >/dev/null
done

dsn="host=$PGHOST port=$PGPORT dbname=shop user=migration_exporter"
# The deploy gate on the same database, as a pipeline would run it after `flyway migrate`: the
# seeded failure, the pending and the edited migration, the invalid index and the NOT VALID
# constraint each fail their check (exit 1: the report is the point here, not the exit code).
echo
echo "== the deploy gate: migration_exporter check --phase=post"
DATA_SOURCE_NAME=$dsn build-demo/migration_exporter check --phase=post \
  --config.file=scripts/demo/sources.toml --color=never || true

echo
echo "migration_exporter demo: http://localhost:$port/metrics  (landing page http://localhost:$port/)"
echo "database: psql \"host=$PGHOST port=$PGPORT dbname=shop user=postgres\""
echo "Ctrl-C to stop."
echo
DATA_SOURCE_NAME=$dsn build-demo/migration_exporter --web.listen-address=":$port" --poll.interval=5s \
  --config.file=scripts/demo/sources.toml &
exporter_pid=$!
wait "$exporter_pid"
