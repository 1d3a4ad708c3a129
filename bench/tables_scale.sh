#!/usr/bin/env bash
# Scale benchmark for the tables, indexes and replication collectors (not a timed test):
# a throwaway PostgreSQL with N tables (default 10,000, each with a primary key, every 10th with
# rows), then, in the same run against the same database:
#   - our collectors through bench/tables_driver (default caps, and uncapped),
#   - Debian's prometheus-postgres-exporter 0.11.1 with its default collectors plus the
#     pg_stat_user_tables block of the queries.yaml it ships,
# reporting poll/scrape duration, series, body bytes and RSS. Everything it starts it stops
# (also on failure); each step has a time limit. Results: bench/results/tables_scale.md.
#   bench/tables_scale.sh [N_TABLES]
set -euo pipefail
tables=${1:-10000}
polls=5
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
results=$root/bench/results
peer_port=${PEER_PORT:-59188}
mkdir -p "$results"
for tool in psql curl prometheus-postgres-exporter cmake; do
  command -v "$tool" >/dev/null || { echo "tables_scale: $tool is missing (scripts/install-deps.sh)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/me-bench-tables.XXXXXX)
chmod 755 "$work"  # the server runs as the postgres OS user
peer_pid=""
cleanup() {
  [ -n "$peer_pid" ] && kill "$peer_pid" 2>/dev/null && wait "$peer_pid" 2>/dev/null || true
  "$root/tests/pg_cluster.sh" stop "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "tables_scale: building the driver"
cmake -S "$root" -B "$root/build-bench" -G Ninja -DCMAKE_BUILD_TYPE=Release -DME_TESTS=OFF -DME_BENCH=ON >/dev/null
cmake --build "$root/build-bench" -j2 --target tables_bench_driver >/dev/null
driver=$root/build-bench/tables_bench_driver

"$root/tests/pg_cluster.sh" start "$work/pg" >/dev/null
# shellcheck source=/dev/null
set -a; . "$work/pg/env"; set +a
psql -qX -v ON_ERROR_STOP=1 -c "CREATE ROLE exporter LOGIN" -c "GRANT pg_monitor TO exporter" -c "CREATE DATABASE bench"
echo "tables_scale: creating $tables tables"
start=$(date +%s)
batch=500
for ((first = 1; first <= tables; first += batch)); do
  last=$((first + batch - 1)); [ $last -gt "$tables" ] && last=$tables
  timeout 300 psql -qX -d bench -v ON_ERROR_STOP=1 -c "
    DO \$\$ BEGIN FOR i IN $first..$last LOOP
      EXECUTE format('CREATE TABLE t_%s (id int PRIMARY KEY, body text)', i);
      IF i % 10 = 0 THEN
        EXECUTE format('INSERT INTO t_%s SELECT g, repeat(''x'', 100) FROM generate_series(1, %s) g', i, i % 1000);
      END IF;
    END LOOP; END \$\$"
done
timeout 600 psql -qX -d bench -c "ANALYZE" >/dev/null
echo "tables_scale: created in $(( $(date +%s) - start ))s; $(psql -qXAt -d bench -c 'SELECT count(*) FROM pg_stat_user_tables') tables, $(psql -qXAt -d bench -c 'SELECT count(*) FROM pg_stat_user_indexes') indexes"

dsn="host=$PGHOST port=$PGPORT dbname=bench user=exporter"
mib() { awk -v kib="$1" 'BEGIN { printf "%.1f", kib / 1024 }'; }
run_driver() {  # LABEL OPTIONS COLLECTORS...
  local label=$1 options=$2; shift 2
  local line
  line=$(DATA_SOURCE_NAME=$dsn timeout 300 "$driver" "$polls" "$options" "$@")
  echo "tables_scale: $label: $line"
  printf '%s\t%s\n' "$label" "$line" >>"$work/ours.tsv"
}
run_driver "ours, tables+indexes+replication, default caps (300/300)" "" tables indexes replication
run_driver "ours, tables only, default cap 300" "" tables
run_driver "ours, tables only, uncapped" "tables = { max_tables = 0 }" tables
run_driver "ours, tables+indexes+replication, uncapped" \
  "tables = { max_tables = 0 }
indexes = { max_indexes = 0 }" tables indexes replication

echo "tables_scale: postgres_exporter"
sed -n '/^pg_stat_user_tables:/,/^pg_statio_user_tables:/p' \
  /usr/share/doc/prometheus-postgres-exporter/examples/queries.yaml | sed '$d' >"$work/queries.yaml"
DATA_SOURCE_NAME="postgresql://exporter@127.0.0.1:$PGPORT/bench?sslmode=disable" \
  timeout 600 prometheus-postgres-exporter --web.listen-address=127.0.0.1:$peer_port \
  --extend.query-path="$work/queries.yaml" --log.level=error >"$work/peer.log" 2>&1 &
peer_pid=$!
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$peer_port/" && break; sleep 0.2; done
peer_times=()
for ((i = 0; i < polls; i++)); do
  peer_times+=("$(curl -s -o "$work/peer.prom" -w '%{time_total}' --max-time 120 "http://127.0.0.1:$peer_port/metrics")")
done
peer_median=$(printf '%s\n' "${peer_times[@]}" | sort -n | sed -n "$(( (polls + 1) / 2 ))p")
peer_max=$(printf '%s\n' "${peer_times[@]}" | sort -n | tail -n 1)
peer_series=$(grep -vc '^#' "$work/peer.prom")
peer_table_series=$(grep -c '^pg_stat_user_tables_' "$work/peer.prom" || true)
peer_bytes=$(stat -c %s "$work/peer.prom")
peer_exporter=$(pgrep -P "$peer_pid")  # $peer_pid is timeout(1); the exporter is its child
peer_rss=$(awk '/^VmRSS/ {print $2}' "/proc/$peer_exporter/status")
peer_hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$peer_exporter/status")
kill "$peer_pid"; wait "$peer_pid" 2>/dev/null || true; peer_pid=""
echo "tables_scale: postgres_exporter: median_s=$peer_median max_s=$peer_max series=$peer_series (pg_stat_user_tables_*: $peer_table_series) bytes=$peer_bytes rss_kib=$peer_rss hwm_kib=$peer_hwm"

{
  echo "## tables/indexes/replication at $tables tables ($(date -u +%Y-%m-%d), $(nproc) cores, PostgreSQL $(psql -qXAt -c 'SHOW server_version'))"
  echo
  echo "| exporter | poll/scrape median s | max s | series | body bytes | RSS MiB | peak RSS MiB |"
  echo "|---|---|---|---|---|---|---|"
  while IFS=$'\t' read -r label line; do
    declare -A f=()
    for kv in $line; do f[${kv%%=*}]=${kv#*=}; done
    printf '| %s | %.3f | %.3f | %s | %s | %s | %s |\n' "$label" "${f[median_s]}" "${f[max_s]}" \
      "${f[series]}" "${f[bytes]}" "$(mib ${f[rss_kib]})" "$(mib ${f[hwm_kib]})"
  done <"$work/ours.tsv"
  printf '| postgres_exporter 0.11.1 (defaults + pg_stat_user_tables from queries.yaml, no sizes) | %.3f | %.3f | %s (%s pg_stat_user_tables_*) | %s | %s | %s |\n' \
    "$peer_median" "$peer_max" "$peer_series" "$peer_table_series" "$peer_bytes" \
    "$(mib $peer_rss)" "$(mib $peer_hwm)"
  echo
  echo "Load average during the run: $(cut -d" " -f1-3 /proc/loadavg) (other sessions share the 2 cores: absolute times vary with it; compare rows of one run)."
  echo "Ours: one process polling $polls times in a row, serialising each poll (the driver's whole RSS). Peer: $polls sequential scrapes of /metrics, RSS of the process after them."
} | tee "$results/tables_scale.md"
