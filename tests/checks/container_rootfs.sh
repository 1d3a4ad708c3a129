#!/usr/bin/env bash
# The container image's filesystem, laid out by scripts/container-rootfs.sh exactly as the
# Dockerfile's `FROM scratch` stage receives it, run with chroot as the image's user 10211 (no
# container engine here): it holds no shell, fits its size budget, and the exporter runs in it with
# only that: --version, the default config picked up from MIGRATION_EXPORTER_DEFAULT_CONFIG (a
# broken one named), and a real scrape over TLS with basic auth of a real database. The built-in
# HEALTHCHECK is healthy there without credentials, both with explicit flags and reading the
# exporter's own flags through /proc as it does as PID 1, and unhealthy on a closed port or when
# it would speak plain HTTP to the TLS listener.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"
[ -x "${ME_BIN:-}" ] || fail "the exporter binary (ME_BIN=${ME_BIN:-unset}) is missing: build first"
[ "$(id -u)" = 0 ] || fail "chroot needs root (CI runs the suite as root)"
for tool in chroot strip openssl curl python3; do command -v "$tool" >/dev/null || fail "$tool is missing"; done
work=$(mktemp -d)
on_exit "rm -rf '$work'"

# As `cmake --install --strip` installs it in the build stage.
strip -o "$work/migration_exporter" "$ME_BIN"
"$ME_SOURCE_DIR/scripts/container-rootfs.sh" "$work/migration_exporter" "$work/rootfs" >"$work/rootfs.log"
rootfs=$work/rootfs
for shell in bin/sh bin/bash bin/dash usr/bin/env usr/bin/apt-get bin/busybox; do
  [ ! -e "$rootfs/$shell" ] || fail "the image would hold /$shell"
done
bytes=$(du -s --apparent-size --block-size=1 "$rootfs" | cut -f1)
# The bookworm-slim image was 90.7 MB; the libraries, time zones and binary are ~28 MB.
[ "$bytes" -lt 40000000 ] || fail "the image filesystem is $((bytes / 1000000)) MB (budget 40 MB)"
pass "$(cat "$work/rootfs.log" | sed 's/^container-rootfs: //'), $bytes bytes, no shell"

# As the image's ENV sets it, and nothing else from this shell.
chroot_bin=$(command -v chroot)
in_image() { env -i MIGRATION_EXPORTER_DEFAULT_CONFIG=/etc/migration_exporter/config.toml "$@"; }
version=$(in_image "$chroot_bin" --userspec=10211:10211 "$rootfs" /usr/bin/migration_exporter --version) \
  || fail "the exporter does not run in the image"
pass "in the image, as 10211: $version"

cluster=$(mktemp -d /tmp/me-rootfs.XXXXXX)
on_exit "'$ME_SOURCE_DIR/tests/pg_cluster.sh' stop '$cluster'"
"$ME_SOURCE_DIR/tests/pg_cluster.sh" start "$cluster" >/dev/null
set -a; source "$cluster/env"; set +a
psql -q -v ON_ERROR_STOP=1 -f "$ME_SOURCE_DIR/scripts/demo/seed.sql" >/dev/null
psql -q -v ON_ERROR_STOP=1 -f "$ME_SOURCE_DIR/deploy/sql/monitor_role.sql" >/dev/null

# The default config: used when present, named when broken, and its absence is not an error.
etc=$rootfs/etc/migration_exporter
printf '[[targets]]\nname = "demo"\nno_such_key = 1\n' >"$etc/config.toml"
if in_image "$chroot_bin" --userspec=10211:10211 "$rootfs" /usr/bin/migration_exporter --check-config >"$work/broken.log" 2>&1; then
  fail "--check-config passed with a broken config at the default path: it was not read"
fi
grep -q "/etc/migration_exporter/config.toml:3" "$work/broken.log" || { cat "$work/broken.log"; fail "the broken default config is not named"; }
cat >"$etc/config.toml" <<TOML
[[targets]]
name = "demo"
dsn = "host=127.0.0.1 port=$PGPORT dbname=postgres user=migration_exporter sslmode=disable"
TOML
in_image "$chroot_bin" --userspec=10211:10211 "$rootfs" /usr/bin/migration_exporter --check-config >"$work/check.log" 2>&1 \
  || { cat "$work/check.log"; fail "--check-config rejects the default config"; }
pass "MIGRATION_EXPORTER_DEFAULT_CONFIG: a broken config is named (file:line), a valid one passes --check-config"

# TLS and basic auth on, the files inside the image.
(cd "$etc" && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout server.key -out server.pem 2>/dev/null)
password="rootfs-$$"
hash=$(python3 -c 'import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1<<10)))' "$password" 2>/dev/null)
[ -n "$hash" ] || fail "cannot make a bcrypt hash"
printf 'tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\nbasic_auth_users:\n  prometheus: %s\n' "'$hash'" >"$etc/web.yml"
chmod 0644 "$etc"/*
port=$(free_port)
# Not through in_image: a backgrounded function is a subshell, and $! must be the exporter.
env -i MIGRATION_EXPORTER_DEFAULT_CONFIG=/etc/migration_exporter/config.toml \
  "$chroot_bin" --userspec=10211:10211 "$rootfs" /usr/bin/migration_exporter \
  --web.listen-address="127.0.0.1:$port" --web.config.file=/etc/migration_exporter/web.yml \
  >"$work/exporter.log" 2>&1 &
exporter=$!
on_exit "kill $exporter"
base=https://127.0.0.1:$port
for _ in $(seq 100); do
  [ "$(curl -sk -o /dev/null -w '%{http_code}' "$base/readyz")" = 200 ] && break
  kill -0 "$exporter" 2>/dev/null || { cat "$work/exporter.log"; fail "the exporter exited in the image"; }
  sleep 0.1
done
[ "$(curl -sk -o /dev/null -w '%{http_code}' "$base/metrics")" = 401 ] || fail "/metrics answered without credentials"
curl -sfk -u "prometheus:$password" "$base/metrics" -o "$work/metrics" || fail "no /metrics with credentials"
# env -i left no DATA_SOURCE_NAME or PG*: up means the default config's target was used.
grep -Eq '^migration_exporter_database_up\{[^}]*\} 1$' "$work/metrics" \
  || { grep -E '^(pg_up|migration_exporter_database_up)' "$work/metrics"; fail "the default config's target is not up"; }
grep -Eq '^migration_failed\{[^}]*table="flyway_schema_history"[^}]*\} [1-9]' "$work/metrics" \
  || fail "the seeded Flyway failure is not in /metrics"
pass "served from the image over TLS with basic auth: 401 without credentials, the seeded history with them"

# The HEALTHCHECK: inside the image with explicit flags, and as PID 1 sees it, through /proc.
in_image "$chroot_bin" --userspec=10211:10211 "$rootfs" /usr/bin/migration_exporter healthcheck --from-pid=0 \
  --web.listen-address="127.0.0.1:$port" --web.config.file=/etc/migration_exporter/web.yml >"$work/hc.log" 2>&1 \
  || { cat "$work/hc.log"; fail "the healthcheck in the image is unhealthy"; }
grep -q "^healthy: GET https://127.0.0.1:$port/healthz answered 200$" "$work/hc.log" || { cat "$work/hc.log"; fail "unexpected healthcheck output"; }
"$work/migration_exporter" healthcheck --from-pid="$exporter" >"$work/hc_pid.log" 2>&1 \
  || { cat "$work/hc_pid.log"; fail "the healthcheck reading the exporter's own flags is unhealthy"; }
grep -q "https://127.0.0.1:$port/healthz answered 200" "$work/hc_pid.log" || { cat "$work/hc_pid.log"; fail "the healthcheck did not follow the exporter's flags"; }
if "$work/migration_exporter" healthcheck --from-pid=0 --web.listen-address="127.0.0.1:$port" >"$work/hc_plain.log" 2>&1; then
  fail "plain HTTP to the TLS listener passed the healthcheck"
fi
closed=$(free_port)
if "$work/migration_exporter" healthcheck --from-pid=0 --web.listen-address="127.0.0.1:$closed" --timeout=2s >"$work/hc_closed.log" 2>&1; then
  fail "the healthcheck passed with nothing listening"
fi
grep -q "^unhealthy: GET http://127.0.0.1:$closed/healthz" "$work/hc_closed.log" || { cat "$work/hc_closed.log"; fail "no reason for the closed port"; }
pass "healthcheck: healthy over TLS without credentials (explicit flags; PID's own flags via /proc), unhealthy over plain HTTP and on a closed port"
