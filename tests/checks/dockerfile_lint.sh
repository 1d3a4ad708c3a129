#!/usr/bin/env bash
# Static check: the Dockerfile passes dockerfile-utils' linter (every rule an error) and keeps the
# promised shape; the image's entrypoint adds --config.file exactly when a config sits at the
# default location and none was given; its HEALTHCHECK script is healthy only on HTTP 200.
set -euo pipefail
src=${ME_SOURCE_DIR:?ME_SOURCE_DIR is not set}
tools=$src/tests/tools/deploy
for tool in node python3; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
done
[ -d "$tools/node_modules/dockerfile-utils" ] \
  || { echo "FAIL: $tools/node_modules is missing: run scripts/install-deps.sh" >&2; exit 1; }
node "$tools/lint_dockerfile.mjs" "$src"

work=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# Entrypoint: a copy pointing at a stand-in binary (prints its arguments) and a temp config dir.
mkdir -p "$work/etc"
printf '#!/bin/sh\necho "$@"\n' >"$work/exporter"
chmod +x "$work/exporter"
sed -e "s|/usr/bin/migration_exporter|$work/exporter|" -e "s|/etc/migration_exporter|$work/etc|" \
  "$src/deploy/container/entrypoint.sh" >"$work/entrypoint.sh"
args=$(sh "$work/entrypoint.sh" --web.listen-address=:10211)
[ "$args" = "--web.listen-address=:10211" ] || fail "without a mounted config the entrypoint passed: $args"
touch "$work/etc/config.toml"
args=$(sh "$work/entrypoint.sh" --web.listen-address=:10211)
[ "$args" = "--config.file=$work/etc/config.toml --web.listen-address=:10211" ] || fail "with a mounted config the entrypoint passed: $args"
args=$(sh "$work/entrypoint.sh" --config.file=/other.toml)
[ "$args" = "--config.file=/other.toml" ] || fail "an explicit --config.file was not respected: $args"
args=$(sh "$work/entrypoint.sh" --config.file /other.toml)
[ "$args" = "--config.file /other.toml" ] || fail "an explicit '--config.file PATH' was not respected: $args"
args=$(sh "$work/entrypoint.sh" check --phase=pre)
[ "$args" = "check --config.file=$work/etc/config.toml --phase=pre" ] || fail "the deploy gate's 'check' must stay first: $args"
echo "entrypoint: adds --config.file only when a config is mounted at the default location and none is given (after 'check' for the deploy gate)"

# HEALTHCHECK script against a small HTTP server: /healthz present -> healthy; absent -> not.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/www"
(cd "$work/www" && exec timeout 60 python3 -m http.server "$port" --bind 127.0.0.1 >/dev/null 2>&1) &
server_pid=$!
for _ in $(seq 1 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
probe() { MIGRATION_EXPORTER_HEALTHCHECK_PORT=$1 bash "$src/deploy/container/healthcheck.sh"; }
if probe "$port"; then fail "healthcheck passed while /healthz answers 404"; fi
echo ok >"$work/www/healthz"
probe "$port" || fail "healthcheck failed while /healthz answers 200"
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
if probe "$port"; then fail "healthcheck passed with nothing listening"; fi
echo "healthcheck: healthy on 200, unhealthy on 404 and on a closed port"
