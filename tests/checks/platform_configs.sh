#!/usr/bin/env bash
# Static check: the Datadog OpenMetrics check and the CloudWatch agent configs (EKS and ECS) name
# only metrics the exporter exports, with dimensions those metrics carry; their Prometheus scrape
# configs pass promtool check config.
set -euo pipefail
src=${ME_SOURCE_DIR:?ME_SOURCE_DIR is not set}
tools=$src/tests/tools/deploy
for tool in node promtool; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
done
[ -d "$tools/node_modules/yaml" ] || { echo "FAIL: $tools/node_modules is missing: run scripts/install-deps.sh" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
node "$tools/validate_platforms.mjs" "$src/deploy" "$work"
for flavour in eks ecs; do
  promtool check config "$work/$flavour-prometheus.yaml" >"$work/promtool.log" 2>&1 \
    || { cat "$work/promtool.log" >&2; echo "FAIL: deploy/cloudwatch/$flavour/prometheus.yaml" >&2; exit 1; }
  echo "deploy/cloudwatch/$flavour/prometheus.yaml: promtool check config passes"
done
