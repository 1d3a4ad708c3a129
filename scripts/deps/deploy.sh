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
