# shellcheck shell=bash
# Dependencies of the deploy/ checks (Dockerfile lint, Kubernetes/monitor/compose validation, the
# monitoring role test): sourced by scripts/install-deps.sh. The container build itself
# (scripts/container-build.sh, a separate slow check) installs podman & co. on its own.
deploy_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
APT_PACKAGES+=(nodejs postgresql-client-15 prometheus)
# The machine image's Node.js ships npm inside its nodejs package; only a Debian nodejs needs the
# separate npm package (asking for it next to the bundled one would conflict).
command -v npm >/dev/null 2>&1 || APT_PACKAGES+=(npm)
NPM_DIRS+=("$deploy_root/tests/tools/deploy")
# kubectl (for kubectl kustomize in the kustomize_overlays check) comes with the machine image, not
# from here: Debian bookworm's kubernetes-client is 1.20, whose kustomize v2 cannot read the
# overlays (and its /usr/bin/kubectl would clash with the image's). The check fails if it is missing.
