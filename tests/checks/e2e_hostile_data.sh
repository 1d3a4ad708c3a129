#!/usr/bin/env bash
# End to end: history rows a tool allows but a naive exporter chokes on — NULLs, a 10 kB and a 1 MB
# description, quotes, backslashes, newlines, and bytes that are not UTF-8 (a SQL_ASCII database
# stores them as they come). The exposition must pass promtool, and a real Prometheus that limits
# label values to 2,048 bytes must ingest it (labels from data are cut to 1,024 bytes).
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"
use_test_cluster
command -v prometheus >/dev/null || fail "prometheus missing (Debian package prometheus)"

db="hostile_$$"
work=$(mktemp -d)
on_exit "rm -rf '$work'"
on_exit "psql -q -d postgres -c 'DROP DATABASE IF EXISTS $db WITH (FORCE)'"
createdb -E SQL_ASCII -T template0 --locale=C "$db"
psql -q -v ON_ERROR_STOP=1 -d "$db" <<'SQL'
-- Flyway's columns, with description widened the way a hand-made or older table might be.
CREATE TABLE flyway_schema_history (installed_rank int PRIMARY KEY, version varchar(50), description text NOT NULL,
  type varchar(20) NOT NULL, script varchar(1000) NOT NULL, checksum int, installed_by varchar(100) NOT NULL,
  installed_on timestamp NOT NULL DEFAULT now(), execution_time int NOT NULL, success boolean NOT NULL);
INSERT INTO flyway_schema_history VALUES
 (1, '1', repeat('long description ', 640), 'SQL', 'V1__long.sql', NULL, 'deploy', now() - interval '3 hours', 10, true),
 (2, '2', E'quote " backslash \\ newline \n tab \t end', 'SQL', E'V2__it''s.sql', NULL, 'deploy', now() - interval '2 hours', 20, true),
 (3, '3', E'latin1 caf\xe9 and \xff\xfe bytes', 'SQL', E'V3__\xe9.sql', NULL, E'd\xe9ploy', now() - interval '1 hour', 30, false),
 (4, NULL, 'repeatable with NULL version and checksum', 'SQL', 'R__views.sql', NULL, 'deploy', now(), 5, true),
 (5, '5', repeat('megabyte description ', 50000), 'SQL', 'V5__big.sql', NULL, 'deploy', now(), 40, true);
SQL
port=$(free_port)
DATA_SOURCE_NAME="host=$PGHOST port=$PGPORT dbname=$db user=postgres" \
  "$ME_BIN" --web.listen-address="127.0.0.1:$port" --poll.interval=1s >"$work/log" 2>&1 &
on_exit "kill -9 $!"
wait_http "http://127.0.0.1:$port/readyz" 200 20
curl -sf "http://127.0.0.1:$port/metrics" -o "$work/metrics"
grep -q "^migration_applied{datname=\"$db\",.*} 4$" "$work/metrics" || fail "history not read from the SQL_ASCII database"
iconv -f UTF-8 -t UTF-8 "$work/metrics" >/dev/null || fail "the exposition is not valid UTF-8"
grep -q 'caf\\\?�' "$work/metrics" || grep -q 'caf�' "$work/metrics" || fail "invalid bytes were not replaced by U+FFFD"
grep -q 'long description long description' "$work/metrics" || fail "the 10 kB description is missing"
python3 - "$work/metrics" <<'PY' || fail "the 1 MB description was not cut to 1,024 bytes with a trailing …"
import re, sys
for line in open(sys.argv[1], encoding="utf-8"):
    if line.startswith("migration_info{") and 'script="V5__big.sql"' in line:
        value = re.search(r'description="((?:[^"\\]|\\.)*)"', line).group(1)
        sys.exit(0 if len(value.encode()) == 1024 and value.endswith("\u2026") and value.startswith("megabyte description") else 1)
sys.exit(1)
PY
lint=$(promtool check metrics <"$work/metrics" 2>&1 | grep -v -E '_count (non-histogram|is|should)|non-counter metrics should not have "_count" suffix|counter metrics should have "_total" suffix' || true)
[ -z "$lint" ] || { echo "$lint"; fail "promtool check metrics complained"; }
pass "NULLs, 10 kB text, a 1 MB description cut to 1,024 bytes, quotes, backslashes, newlines and non-UTF-8 bytes: valid UTF-8, promtool clean"

# A real Prometheus scrapes it and can query the hostile series back.
prom_port=$(free_port)
cat >"$work/prometheus.yml" <<YAML
global: { scrape_interval: 1s }
scrape_configs:
  - job_name: migration_exporter
    label_value_length_limit: 2048
    static_configs: [{ targets: ["127.0.0.1:$port"] }]
YAML
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" >"$work/prometheus.log" 2>&1 &
on_exit "kill -9 $!"
api="http://127.0.0.1:$prom_port/api/v1"
ok=""
for _ in $(seq 100); do
  if curl -sf --get "$api/query" --data-urlencode 'query=count(migration_info{job="migration_exporter"})' 2>/dev/null |
      python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; sys.exit(0 if r and r[0]["value"][1]=="5" else 1)'; then
    ok=yes
    break
  fi
  sleep 0.2
done
[ -n "$ok" ] || { tail -5 "$work/prometheus.log"; fail "Prometheus did not ingest the 5 migration_info series"; }
health=$(curl -sf "$api/targets" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["activeTargets"][0]["health"])')
[ "$health" = up ] || fail "Prometheus reports the scrape as $health"
curl -sf --get "$api/query" --data-urlencode "query=migration_info{script=\"V2__it's.sql\"}" |
  python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; sys.exit(0 if len(r) == 1 and r[0]["metric"]["description"] == "quote \" backslash \\ newline \n tab \t end" else 1)' ||
  fail "the escaped description does not round-trip through Prometheus"
pass "a Prometheus with label_value_length_limit 2048 ingests the scrape (target up, 5 migration_info series, escapes round-trip)"
