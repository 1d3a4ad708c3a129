# Shared helpers for the e2e_history_tools_*.sh checks (sourced): a fresh database, the real
# exporter scraping it as the least-privilege role from deploy/sql/monitor_role.sql, and
# assertions on the scraped series.
source "$(dirname "${BASH_SOURCE[0]}")/common.bash"
use_test_cluster

tools_dir="$ME_SOURCE_DIR/tests/tools/history"
db="me_hist_${check_name:?set check_name before sourcing}_$$"
role="me_hist_$check_name"
work=$(mktemp -d)
exporter=""
cleanup() {
  if [ -n "$exporter" ]; then kill -9 "$exporter" 2>/dev/null; wait "$exporter" 2>/dev/null; fi || true
  psql -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
createdb "$db"
# UTC: time-zone-less history timestamps then read as the tools wrote them.
psql -q -d postgres -c "ALTER DATABASE $db SET timezone = 'UTC'"
export PGDATABASE="$db"

# require_tool NAME HOW-TO-INSTALL: a missing tool fails the check, it never skips it.
require_tool() {
  command -v "$1" >/dev/null || [ -x "$1" ] || fail "$1 is missing: $2 (scripts/install-deps.sh installs it)"
}

# Grants the monitor role (after the tools made their tables) and starts the exporter on $db;
# arguments are passed on to the exporter (e.g. --config.file=...).
start_exporter() {
  psql -q -v ON_ERROR_STOP=1 -v role="$role" -f "$ME_SOURCE_DIR/deploy/sql/monitor_role.sql" >/dev/null 2>&1 \
    || fail "deploy/sql/monitor_role.sql failed"
  local port
  port=$(free_port)
  DATA_SOURCE_NAME="host=127.0.0.1 port=$PGPORT dbname=$db user=$role" \
    "$ME_BIN" --web.listen-address="127.0.0.1:$port" --poll.interval=1s "$@" >"$work/exporter.log" 2>&1 &
  exporter=$!
  base="http://127.0.0.1:$port"
  wait_http "$base/readyz" 200 20
}

scrape() { curl -sf "$base/metrics" -o "$work/metrics" || fail "scrape failed"; }

# labels TOOL SCHEMA TABLE -> the history label set of that table
labels() { printf 'datname="%s",tool="%s",schema="%s",table="%s"' "$db" "$1" "$2" "$3"; }

expect_absent() {
  if metric_value "$work/metrics" "$1" >/dev/null; then fail "$1 should not be exported"; fi
  pass "$1 absent"
}

# expect_close SERIES EXPECTED: numeric comparison (timestamps print as floats).
expect_close() {
  local got
  got=$(metric_value "$work/metrics" "$1") || fail "series missing: $1"
  awk -v a="$got" -v b="$2" 'BEGIN { d = a - b; exit !(d < 0.001 && d > -0.001) }' \
    || fail "$1 = $got, expected $2"
  pass "$1 = $2"
}

# The number of series of a family for one table (e.g. every current_version_info of it).
count_series() { grep -c "^$1{$2" "$work/metrics" || true; }

# wait_for SERIES VALUE: polls /metrics until the series has that value (within 10 s).
wait_for() {
  for _ in $(seq 100); do
    scrape
    [ "$(metric_value "$work/metrics" "$1" || true)" = "$2" ] && return 0
    sleep 0.1
  done
  fail "$1 did not become $2 within 10s (now: $(metric_value "$work/metrics" "$1" || echo absent))"
}

# sql QUERY -> one value from the database, as the superuser (for expected timestamps).
sql() { psql -X -At -v ON_ERROR_STOP=1 -c "$1"; }
