#!/usr/bin/env bash
# Static check of deploy/alertmanager/alertmanager.yml: amtool check-config; amtool config routes test
# for every shipped alert's labels (critical -> pager, email and webhook; warning -> chat); and the
# inhibition rules proven on a real Alertmanager (its own process on a free loopback port, never the
# system service): alerts are posted to its API and the ones that must be held back are reported as
# inhibited, the others not.
set -euo pipefail
src=${ME_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
tools=$src/tests/tools/grafana
config=$src/deploy/alertmanager/alertmanager.yml
alertmanager_bin=$(command -v prometheus-alertmanager || command -v alertmanager || true)

for tool in amtool node curl jq python3; do
  command -v "$tool" >/dev/null || { echo "alertmanager: $tool not found (run scripts/install-deps.sh)" >&2; exit 1; }
done
[ -n "$alertmanager_bin" ] || { echo "alertmanager: Alertmanager binary not found (run scripts/install-deps.sh)" >&2; exit 1; }
[ -d "$tools/node_modules" ] || { echo "alertmanager: $tools/node_modules missing (run scripts/install-deps.sh)" >&2; exit 1; }

amtool check-config "$config"

# --- routing: each alert with the labels the rules give it, plus a database.
declare -A expected_receiver=([critical]=pager,email,webhook [warning]=chat)
routed=0
while IFS=$'\t' read -r alertname severity; do
  want=${expected_receiver[$severity]:?"alert $alertname has unrouted severity $severity"}
  got=$(amtool config routes test --config.file="$config" --verify.receivers="$want" \
        alertname="$alertname" severity="$severity" datname=orders instance=app-0:10211 2>/dev/null) \
    || { echo "alertmanager: $alertname (severity $severity) routes to '$got', expected '$want'" >&2; exit 1; }
  routed=$((routed + 1))
done < <(node "$tools/lib/alert-rules.mjs" "$src" --list)
[ "$routed" -gt 0 ] || { echo "alertmanager: no alert was routed" >&2; exit 1; }
# An alert without a severity must still reach someone.
got=$(amtool config routes test --config.file="$config" --verify.receivers=chat alertname=SomethingNew 2>/dev/null) \
  || { echo "alertmanager: an alert without severity routes to '$got', expected chat" >&2; exit 1; }

# --- inhibition, on a real Alertmanager.
work=$(mktemp -d)
am_pid=""
cleanup() {
  if [ -n "$am_pid" ]; then kill "$am_pid" 2>/dev/null || true; wait "$am_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$alertmanager_bin" --config.file="$config" --storage.path="$work/data" \
  --web.listen-address="127.0.0.1:$port" --cluster.listen-address= --log.level=warn \
  >"$work/alertmanager.log" 2>&1 &
am_pid=$!
api=http://127.0.0.1:$port/api/v2
for _ in $(seq 1 100); do
  curl -fsS "$api/status" >/dev/null 2>&1 && break
  kill -0 "$am_pid" 2>/dev/null || { cat "$work/alertmanager.log" >&2; echo "alertmanager: Alertmanager exited" >&2; exit 1; }
  sleep 0.1
done
curl -fsS "$api/status" >/dev/null || { cat "$work/alertmanager.log" >&2; echo "alertmanager: Alertmanager did not start" >&2; exit 1; }

# name|labels (k=v,...)|expect inhibited (yes/no)
cases=(
  "pg-down|alertname=MigrationExporterPostgreSQLDown,severity=critical,job=migration_exporter,instance=app-0:10211,datname=orders|no"
  "collector-same-db|alertname=MigrationExporterCollectorFailing,severity=warning,job=migration_exporter,instance=app-0:10211,datname=orders,collector=locks|yes"
  "blocking-same-db|alertname=MigrationBlockingSessions,severity=critical,job=migration_exporter,instance=app-0:10211,datname=orders,tool=flyway,schema=public,table=flyway_schema_history|yes"
  "stale-same-db|alertname=MigrationExporterSnapshotStale,severity=warning,job=migration_exporter,instance=app-0:10211,datname=orders|yes"
  "collector-other-db|alertname=MigrationExporterCollectorFailing,severity=warning,job=migration_exporter,instance=app-0:10211,datname=billing,collector=locks|no"
  "collector-other-exporter|alertname=MigrationExporterCollectorFailing,severity=warning,job=migration_exporter,instance=app-1:10211,datname=orders,collector=locks|no"
  "collector-other-target|alertname=MigrationExporterCollectorFailing,severity=warning,job=migration_exporter,instance=app-0:10211,target=eu,datname=orders,collector=locks|no"
  "exporter-down|alertname=MigrationExporterDown,severity=warning,job=migration_exporter,instance=app-2:10211|no"
  "failed-behind-down-exporter|alertname=MigrationFailed,severity=critical,job=migration_exporter,instance=app-2:10211,datname=shop,tool=flyway,schema=public,table=flyway_schema_history|yes"
  "failed-elsewhere|alertname=MigrationFailed,severity=critical,job=migration_exporter,instance=app-3:10211,datname=shop,tool=flyway,schema=public,table=flyway_schema_history|no"
  "exporter-absent|alertname=MigrationExporterAbsent,severity=warning,job=migration_exporter|no"
)
payload=$(for c in "${cases[@]}"; do
  IFS='|' read -r name labels _ <<<"$c"
  jq -cn --arg name "$name" --arg labels "$labels" \
    '{labels: ($labels | split(",") | map(split("=") | {(.[0]): (.[1:] | join("="))}) | add + {case: $name}),
      annotations: {summary: $name}}'
done | jq -cs .)
curl -fsS -X POST -H 'Content-Type: application/json' -d "$payload" "$api/alerts" >/dev/null

# The inhibitor sees source alerts asynchronously; allow it a moment.
failures=()
for _ in $(seq 1 50); do
  alerts=$(curl -fsS "$api/alerts")
  failures=()
  for c in "${cases[@]}"; do
    IFS='|' read -r name _ want <<<"$c"
    state=$(jq -r --arg name "$name" '.[] | select(.labels.case == $name) | if (.status.inhibitedBy | length) > 0 then "yes" else "no" end' <<<"$alerts")
    [ "$state" = "$want" ] || failures+=("$name: inhibited=$state, expected $want")
  done
  [ ${#failures[@]} -eq 0 ] && break
  sleep 0.1
done
if [ ${#failures[@]} -gt 0 ]; then
  printf 'alertmanager: %s\n' "${failures[@]}" >&2
  exit 1
fi
echo "alertmanager: ok: config valid; $routed alerts route by severity (critical -> pager, email, webhook; warning -> chat); ${#cases[@]} inhibition cases hold on a real Alertmanager"
