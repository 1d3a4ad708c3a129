#!/usr/bin/env bash
# Renders the mixin into the files the repository ships: alerts/migration_exporter.rules.yml and
# grafana/dashboards/*.json. With a directory argument it writes there instead (the render check
# compares such a fresh render with the committed files); with a second argument, a jsonnet file
# such as `{ _config+:: { selector: 'job="pg-migrations"' } }`, it renders the mixin with that
# object mixed in (a team's own thresholds). Output is byte-stable: keys sorted, two-space JSON, the
# same YAML layout on every run.
#   mixin/render.sh [output root [overrides.libsonnet]]
set -euo pipefail
mixin=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:-$(dirname "$mixin")}
the_mixin="(import 'mixin.libsonnet')"
if [ -n "${2:-}" ]; then
  overrides=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
  [ -f "$overrides" ] || { echo "render: $2 not found" >&2; exit 1; }
  the_mixin="($the_mixin + (import '$overrides'))"
fi
for tool in jsonnet jq python3; do
  command -v "$tool" >/dev/null || { echo "render: $tool not found (run scripts/install-deps.sh)" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/dashboards"

# One evaluation writes everything as JSON (-m: one file per field); jq and json_to_yaml.py then
# give it its committed form.
jsonnet -J "$mixin" -m "$work" -e "
  local m = $the_mixin;
  { 'alerts.json': m.prometheusAlerts, 'recording.json': m.prometheusRules }
  + { ['dashboards/' + name]: m.grafanaDashboards[name] for name in std.objectFields(m.grafanaDashboards) }" >/dev/null

mkdir -p "$out/alerts" "$out/grafana/dashboards"
render_rules() { # <json file> <yaml file>
  {
    cat <<HEADER
# GENERATED from mixin/ by mixin/render.sh: do not edit here. Change the mixin sources (mixin/alerts/,
# mixin/config.libsonnet) and re-render; mixin/README.md says how, README.md how to override _config.
HEADER
    python3 "$mixin/lib/json_to_yaml.py" <"$1"
  } >"$2.tmp"
  mv "$2.tmp" "$2"
}
render_rules "$work/alerts.json" "$out/alerts/migration_exporter.rules.yml"
recording=$out/alerts/migration_exporter.recording.rules.yml
if [ "$(jq '.groups | length' "$work/recording.json")" -gt 0 ]; then
  render_rules "$work/recording.json" "$recording"
else
  rm -f "$recording"
fi

# A dashboard the mixin no longer defines must not linger in the output.
for f in "$out"/grafana/dashboards/*.json; do
  if [ -e "$f" ] && [ ! -e "$work/dashboards/$(basename "$f")" ]; then rm "$f"; fi
done
for f in "$work"/dashboards/*; do
  jq -S --indent 2 . "$f" >"$out/grafana/dashboards/$(basename "$f").tmp"
  mv "$out/grafana/dashboards/$(basename "$f").tmp" "$out/grafana/dashboards/$(basename "$f")"
done
