#!/usr/bin/env bash
# Static check: the Dockerfile passes dockerfile-utils' linter (every rule an error) and keeps the
# promised shape (a scratch runtime laid out by scripts/container-rootfs.sh, numeric non-root USER,
# the binary's own HEALTHCHECK, exec-form ENTRYPOINT, the default-config variable). What the image
# holds and that it runs is tests/checks/container_rootfs.sh.
set -euo pipefail
src=${ME_SOURCE_DIR:?ME_SOURCE_DIR is not set}
tools=$src/tests/tools/deploy
command -v node >/dev/null || { echo "FAIL: node is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
[ -d "$tools/node_modules/dockerfile-utils" ] \
  || { echo "FAIL: $tools/node_modules is missing: run scripts/install-deps.sh" >&2; exit 1; }
node "$tools/lint_dockerfile.mjs" "$src"
