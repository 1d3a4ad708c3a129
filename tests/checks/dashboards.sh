#!/usr/bin/env bash
# Static check of grafana/: every dashboard validates against the Dashboard model of @grafana/schema
# (its TypeScript type turned into a JSON schema by ts-json-schema-generator, validated with ajv), has
# unique panel ids and non-overlapping grid positions, takes its datasource only from the $datasource
# variable, describes every panel and sets its unit; every panel and variable query (template
# variables substituted) parses as PromQL, proven by loading them as recording rules into
# `promtool check rules`; the provisioning files are well formed.
set -euo pipefail
src=${ME_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
tools=$src/tests/tools/grafana

for tool in promtool node; do
  command -v "$tool" >/dev/null || { echo "dashboards: $tool not found (run scripts/install-deps.sh)" >&2; exit 1; }
done
[ -d "$tools/node_modules" ] || { echo "dashboards: $tools/node_modules missing (run scripts/install-deps.sh)" >&2; exit 1; }
shopt -s nullglob
files=("$src"/grafana/dashboards/*.json)
[ ${#files[@]} -ge 3 ] || { echo "dashboards: expected the three dashboards in grafana/dashboards, found ${#files[@]}" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
node "$tools/lib/dashboards.mjs" check "$src/grafana/dashboards" "$work/queries.rules.yml"
promtool check rules "$work/queries.rules.yml" >"$work/promtool.out" 2>&1 \
  || { cat "$work/promtool.out" >&2; echo "dashboards: a dashboard query does not parse as PromQL" >&2; exit 1; }
node "$tools/lib/provisioning.mjs" "$src/grafana/provisioning"
echo "dashboards: ok: ${#files[@]} dashboards; $(grep -c '^      - record:' "$work/queries.rules.yml") queries parse as PromQL (promtool check rules)"
