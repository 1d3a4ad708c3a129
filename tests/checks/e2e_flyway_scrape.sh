#!/usr/bin/env bash
# End to end: the real binary against the demo's Flyway history, scraped over HTTP. Checks exact
# history values, promtool's lint, gzip, every endpoint, malformed HTTP, and a clean SIGTERM.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"
use_test_cluster
command -v promtool >/dev/null || fail "promtool missing (Debian package prometheus)"

db="e2e_scrape_$$"
work=$(mktemp -d)
exporter=""
cleanup() {
  [ -n "$exporter" ] && kill -9 "$exporter" 2>/dev/null || true
  psql -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

createdb "$db"
psql -q -v ON_ERROR_STOP=1 -d "$db" -f "$ME_SOURCE_DIR/scripts/demo/seed.sql"
psql -q -v ON_ERROR_STOP=1 -d "$db" -c "ALTER DATABASE $db SET timezone = 'UTC'"
psql -q -v ON_ERROR_STOP=1 -d "$db" -v role=migration_exporter -f "$ME_SOURCE_DIR/deploy/sql/monitor_role.sql" >/dev/null

port=$(free_port)
DATA_SOURCE_NAME="host=$PGHOST port=$PGPORT dbname=$db user=migration_exporter" \
  "$ME_BIN" --web.listen-address="127.0.0.1:$port" --poll.interval=1s --log.format=json >"$work/log" 2>&1 &
exporter=$!
base="http://127.0.0.1:$port"
wait_http "$base/readyz" 200 20
pass "/readyz is 200 after the first poll"

curl -sf "$base/metrics" -o "$work/metrics"
# postgres_exporter named its pg_stat_user_tables, pg_stat_database, pg_statio_user_tables and
# pg_stat_archiver counters without _total (and some with _count, as pg_settings_*_count from
# parameter names); we keep those names so its users' dashboards and alerts keep working, as the
# locks and activity collectors keep pg_locks_count and pg_stat_activity_count. Those exact lint
# lines are expected; anything else promtool says fails the check.
inherited='^((pg_stat_user_tables|pg_stat_database|pg_statio_user_tables|pg_stat_archiver)_[a-z_]+ (counter metrics should have "_total" suffix|non-histogram and non-summary metrics should not have "_count" suffix)|(pg_locks_count|pg_stat_activity_count|pg_settings_[a-z_]+_count) non-histogram and non-summary metrics should not have "_count" suffix)$'
promtool check metrics <"$work/metrics" >"$work/lint" 2>&1 || true
grep -Eq '^pg_stat_user_tables_seq_scan counter' "$work/lint" || { cat "$work/lint"; fail "promtool did not lint the tables collector's families"; }
grep -Ev "$inherited" "$work/lint" >"$work/lint.unexpected" || true
[ ! -s "$work/lint.unexpected" ] || { cat "$work/lint.unexpected"; fail "promtool check metrics complained"; }
pass "promtool check metrics: no complaint beyond postgres_exporter's $(grep -c . "$work/lint") inherited counter names ($(grep -vc '^#' "$work/metrics") series)"

labels="datname=\"$db\",tool=\"flyway\",schema=\"public\",table=\"flyway_schema_history\""
expect_metric "$work/metrics" "pg_up{datname=\"$db\"}" 1
expect_metric "$work/metrics" "migration_history_up{$labels}" 1
expect_metric "$work/metrics" "migration_applied{$labels}" 14
expect_metric "$work/metrics" "migration_failed{$labels}" 2
expect_metric "$work/metrics" "migration_rollbacks{$labels}" 1
expect_metric "$work/metrics" "migration_current_version_info{$labels,version=\"1.10\",description=\"drop legacy flags v2\"}" 1
expect_metric "$work/metrics" "migration_duration_seconds_count{$labels}" 14
expect_metric "$work/metrics" "migration_last_duration_seconds{$labels}" 245
expect_metric "$work/metrics" "migration_exporter_collector_success{datname=\"$db\",collector=\"history\"}" 1
grep -q '^migration_exporter_build_info{' "$work/metrics" || fail "build info missing"
grep -q '^process_resident_memory_bytes ' "$work/metrics" || fail "process metrics missing"

# gzip: the same document, compressed once per poll.
headers=$(curl -s -D - -o "$work/metrics.gz" -H 'Accept-Encoding: gzip' "$base/metrics")
grep -qi '^content-encoding: gzip' <<<"$headers" || fail "no Content-Encoding: gzip"
gunzip -c "$work/metrics.gz" >"$work/metrics.unzipped" || fail "gzip body does not decompress"
grep -q "^migration_applied{$labels} 14" "$work/metrics.unzipped" || fail "gzip body differs"
pass "gzip body decodes to the same metrics"

code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
[ "$(code "$base/healthz")" = 200 ] || fail "/healthz"
[ "$(code "$base/")" = 200 ] || fail "landing page"
grep -q 'href="metrics"' <<<"$(curl -s "$base/")" || fail "landing page has no metrics link"
[ "$(code "$base/nope")" = 404 ] || fail "unknown path should be 404"
[ "$(code -X POST "$base/metrics")" = 405 ] || fail "POST /metrics should be 405"
[ "$(code -I "$base/metrics")" = 200 ] || fail "HEAD /metrics"
pass "endpoints: /healthz 200, / 200, unknown 404, POST 405, HEAD 200"

# Malformed and oversized requests get a 4xx, and the server keeps serving.
reply=$(printf 'THIS IS NOT HTTP\r\n\r\n' | timeout 5 nc -q 2 127.0.0.1 "$port" | sed -n 1p || true)
grep -q '^HTTP/1.1 400' <<<"$reply" || fail "garbage request: got '$reply'"
big=$(head -c 20000 /dev/zero | tr '\0' 'a')
[ "$(code -H "X-Big: $big" "$base/metrics")" = 431 ] || fail "oversized header should be 431"
[ "$(code "$base/metrics")" = 200 ] || fail "server stopped serving after bad requests"
pass "malformed request 400, oversized header 431, still serving"

# Request counters are part of the snapshot, so they show from the next poll (1s here) on.
counted=""
for _ in $(seq 30); do
  curl -sf "$base/metrics" -o "$work/metrics2"
  if grep -q '^migration_exporter_http_requests_total{code="404",path="other"} 1$' "$work/metrics2"; then
    counted=yes
    break
  fi
  sleep 0.1
done
[ -n "$counted" ] || fail "HTTP requests are not counted"
pass "HTTP requests counted by path and code"

# JSON logs, one object per line.
python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1]) if l.strip()]' "$work/log" ||
  fail "--log.format=json wrote a line that is not JSON"

start=$(date +%s%N)
kill -TERM "$exporter"
wait "$exporter" || fail "exit status $? after SIGTERM"
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
exporter=""
[ "$elapsed_ms" -lt 1000 ] || fail "SIGTERM took ${elapsed_ms}ms"
pass "SIGTERM: clean exit in ${elapsed_ms}ms"
