#!/usr/bin/env bash
# Static check: deploy/kubernetes/ validates against the kubernetes-models and Prometheus Operator
# validators with no unknown field, the files fit together (sidecar forms, Secret, ConfigMap,
# probes, Service, monitors), the ConfigMap's config.toml passes the exporter's own --check-config,
# and the plain prometheus.yml job passes promtool check config.
set -euo pipefail
src=${ME_SOURCE_DIR:?ME_SOURCE_DIR is not set}
tools=$src/tests/tools/deploy
[ -x "${ME_BIN:-}" ] || { echo "FAIL: the exporter binary (ME_BIN=${ME_BIN:-unset}) is missing: build first" >&2; exit 1; }
for tool in node promtool; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
done
[ -d "$tools/node_modules/kubernetes-models" ] \
  || { echo "FAIL: $tools/node_modules is missing: run scripts/install-deps.sh" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
node "$tools/validate_kubernetes.mjs" "$src/deploy/kubernetes" "$work"
# Debian's Prometheus has no Kubernetes discovery: the validator wrote a copy with static targets
# so that promtool still checks the job's relabelling (RE2 regexes included).
promtool check config "$work/prometheus.yml" >/dev/null \
  || { promtool check config "$work/prometheus.yml" >&2; exit 1; }
echo "deploy/kubernetes/prometheus.yml: promtool check config passes (discovery swapped for a static target)"
"$ME_BIN" --check-config --config.file="$work/config.toml" >"$work/check.log" 2>&1 \
  || { cat "$work/check.log" >&2; echo "FAIL: the ConfigMap's config.toml is rejected by migration_exporter --check-config" >&2; exit 1; }
echo "deploy/kubernetes/configmap.yaml: config.toml passes migration_exporter --check-config"
