#!/usr/bin/env bash
# Static check of the shipped alerting rules: promtool check rules (syntax, PromQL, templates),
# promtool test rules (every alert fires in its scenario after its for: and stays silent when healthy),
# and the conventions promtool cannot see (severity, annotations, runbook files, test coverage).
set -euo pipefail
src=${ME_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
tools=$src/tests/tools/grafana

for tool in promtool node; do
  command -v "$tool" >/dev/null || { echo "alerts: $tool not found (run scripts/install-deps.sh)" >&2; exit 1; }
done
[ -d "$tools/node_modules" ] || { echo "alerts: $tools/node_modules missing (run scripts/install-deps.sh)" >&2; exit 1; }

shopt -s nullglob
rules=("$src"/alerts/*.rules.yml)
tests=("$src"/alerts/tests/*.yml)
[ ${#rules[@]} -gt 0 ] || { echo "alerts: no alerts/*.rules.yml" >&2; exit 1; }
[ ${#tests[@]} -gt 0 ] || { echo "alerts: no alerts/tests/*.yml" >&2; exit 1; }

promtool check rules "${rules[@]}"
promtool test rules "${tests[@]}"
node "$tools/lib/alert-rules.mjs" "$src"
count=$(node "$tools/lib/alert-rules.mjs" "$src" --list | wc -l)
echo "alerts: ok: ${#rules[@]} rules file(s) with $count alerts pass promtool check rules; ${#tests[@]} promtool test files pass; every alert fires in a test and is silent in another, and has its runbook"
