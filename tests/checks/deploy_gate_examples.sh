#!/usr/bin/env bash
# Static check: the deploy gate's examples in deploy/gate/ are valid for the systems that run them
# (GitHub's workflow parser, GitLab's CI schema, the Kubernetes Job validator with Argo CD's hook
# annotations), wire the gate around the migration the way their comments say, and every
# `migration_exporter check` command line in them is accepted by the binary's own flag parser.
set -euo pipefail
src=${ME_SOURCE_DIR:?ME_SOURCE_DIR is not set}
fail() { echo "FAIL: $*" >&2; exit 1; }
[ -x "${ME_BIN:-}" ] || fail "the exporter binary (ME_BIN=${ME_BIN:-unset}) is missing: build first"
command -v node >/dev/null || fail "node is missing (scripts/install-deps.sh installs it)"
for tools in "$src/tests/tools/gate" "$src/tests/tools/deploy"; do
  [ -d "$tools/node_modules" ] || fail "$tools/node_modules is missing: run scripts/install-deps.sh"
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$src/tests/tools/gate" && node --import ./json_imports.mjs validate_ci_examples.mjs "$src/deploy/gate" "$work/args")
node "$src/tests/tools/deploy/validate_gate_hooks.mjs" "$src/deploy" "$work/args"

# Each command line against a closed port: flags the parser accepts end in "cannot connect" (exit 2),
# a flag it rejects in "check settings invalid". --wait=0s last: one attempt, not five minutes.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
count=0
while IFS= read -r line; do
  mapfile -t args < <(python3 -c 'import json,sys; print("\n".join(json.loads(sys.argv[1])))' "$line")
  code=0
  DATA_SOURCE_NAME="host=127.0.0.1 port=$port dbname=app user=monitor connect_timeout=2" \
    "$ME_BIN" check "${args[@]}" --wait=0s --output=json >"$work/out" 2>"$work/err" || code=$?
  if [ "$code" != 2 ] || grep -q "settings invalid" "$work/err" || ! grep -q '"cannot connect' "$work/out"; then
    cat "$work/err" "$work/out" >&2
    fail "migration_exporter check ${args[*]}: exit $code, expected 2 from the closed port (flags accepted)"
  fi
  count=$((count + 1))
done <"$work/args"
[ "$count" -ge 6 ] || fail "expected 6 check command lines in deploy/gate/, found $count"
echo "deploy/gate/: all $count check command lines are accepted by migration_exporter check"
