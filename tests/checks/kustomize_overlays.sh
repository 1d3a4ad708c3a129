#!/usr/bin/env bash
# Static check: every kustomize overlay in deploy/kubernetes-overlays/ renders offline with kubectl
# kustomize, and its output passes the kubernetes-models and Prometheus Operator validators with no
# unknown field and keeps the overlay's promise (validate_kustomize.mjs): sidecar (namespace,
# labels, no monitors), monitoring (exactly one monitor, in both of its documented choices),
# web-config (Secret mounted, --web.config.file, HTTPS probes). The rendered config.toml passes the
# exporter's --check-config, with the web config once a throwaway certificate, key and hash replace
# its placeholders, and promtool check web-config passes on that file too.
set -euo pipefail
src=${ME_SOURCE_DIR:?ME_SOURCE_DIR is not set}
tools=$src/tests/tools/deploy
overlays=$src/deploy/kubernetes-overlays
[ -x "${ME_BIN:-}" ] || { echo "FAIL: the exporter binary (ME_BIN=${ME_BIN:-unset}) is missing: build first" >&2; exit 1; }
# kubectl comes with the machine image (kustomize v5 inside): Debian bookworm's kubernetes-client is
# 1.20, whose kustomize v2 cannot read these overlays, so scripts/install-deps.sh does not install it.
command -v kubectl >/dev/null \
  || { echo "FAIL: kubectl is missing (needs kubectl 1.27+ for kubectl kustomize with kustomize v5)" >&2; exit 1; }
for tool in node promtool openssl python3; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
done
[ -d "$tools/node_modules/kubernetes-models" ] \
  || { echo "FAIL: $tools/node_modules is missing: run scripts/install-deps.sh" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
kubectl version --client 2>/dev/null | grep -i kustomize || true

render() {  # overlay dir, output file
  kubectl kustomize "$1" >"$2" 2>"$work/kustomize.log" \
    || { cat "$work/kustomize.log" >&2; echo "FAIL: kubectl kustomize $1 does not render" >&2; exit 1; }
}
kind_count() { grep -c "^kind: $1\$" "$2" || true; }

# A throwaway certificate, key and bcrypt hash for the web config's placeholders.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" \
  -keyout "$work/tls.key" -out "$work/tls.crt" 2>/dev/null
hash=$(python3 -c 'import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1<<10)))' stand-in 2>/dev/null)
[ -n "$hash" ] || { echo "FAIL: cannot make a bcrypt hash" >&2; exit 1; }

check_overlay() {  # name, overlay dir, output folder
  local name=$1 dir=$2 out=$3
  mkdir -p "$out"
  render "$dir" "$out.yaml"
  node "$tools/validate_kustomize.mjs" "$name" "$out.yaml" "$out" "$hash"
  local web=()
  if [ -d "$out/web" ]; then
    cp "$work/tls.crt" "$work/tls.key" "$out/web/"
    promtool check web-config "$out/web/web-config.yml" >"$out/promtool.log" 2>&1 \
      || { cat "$out/promtool.log" >&2; echo "FAIL: $name: promtool check web-config rejects the rendered web-config.yml" >&2; exit 1; }
    echo "$name: web-config.yml passes promtool check web-config (throwaway certificate and hash)"
    web=(--web.config.file="$out/web/web-config.yml")
  fi
  "$ME_BIN" --check-config --config.file="$out/config.toml" "${web[@]}" >"$out/check.log" 2>&1 \
    || { cat "$out/check.log" >&2; echo "FAIL: $name: migration_exporter --check-config rejects the rendered configuration" >&2; exit 1; }
  echo "$name: config.toml${web:+ with web-config.yml} passes migration_exporter --check-config"
}

for name in sidecar monitoring web-config; do
  [ -f "$overlays/$name/kustomization.yaml" ] || { echo "FAIL: overlay $overlays/$name is missing" >&2; exit 1; }
done
for dir in "$overlays"/*/; do
  check_overlay "$(basename "$dir")" "$dir" "$work/$(basename "$dir")"
done
[ "$(kind_count PodMonitor "$work/monitoring.yaml")" = 1 ] \
  || { echo "FAIL: monitoring: the default monitor is no longer the PodMonitor its header promises" >&2; exit 1; }

# The monitoring overlay's other choice, as its header tells to make it: swap the two patch lines.
mkdir -p "$work/tree/kubernetes-overlays"
cp -R "$src/deploy/kubernetes" "$work/tree/"
cp -R "$overlays/monitoring" "$work/tree/kubernetes-overlays/"
swapped=$work/tree/kubernetes-overlays/monitoring
sed -i -e 's|^  - path: drop-servicemonitor.yaml$|  # - path: drop-servicemonitor.yaml|' \
  -e 's|^  # - path: drop-podmonitor.yaml$|  - path: drop-podmonitor.yaml|' "$swapped/kustomization.yaml"
if ! grep -qx '  - path: drop-podmonitor.yaml' "$swapped/kustomization.yaml" \
  || grep -qx '  - path: drop-servicemonitor.yaml' "$swapped/kustomization.yaml"; then
  echo "FAIL: monitoring: kustomization.yaml no longer has the two patch lines its header says to swap" >&2
  exit 1
fi
check_overlay monitoring "$swapped" "$work/monitoring-swapped" | sed 's/^monitoring:/monitoring (ServiceMonitor choice):/'
[ "$(kind_count ServiceMonitor "$work/monitoring-swapped.yaml")" = 1 ] \
  || { echo "FAIL: monitoring: swapping the patch lines does not give the ServiceMonitor" >&2; exit 1; }
