#!/usr/bin/env bash
# Builds the container image with podman (no Docker engine needed) and proves it against a throwaway
# PostgreSQL: the image runs --version, runs as non-root, passes its HEALTHCHECK, and its /metrics,
# scraped from the running container, reports the seeded database. A slow, separate check (it
# debootstraps base images and compiles the exporter inside the build stage): not part of
# scripts/test.sh. Usage: scripts/container-build.sh [--build-only]
#   ME_IMAGE         tag to build (default localhost/migration_exporter:dev)
#   DEBIAN_MIRROR    mirror for debootstrap (default http://deb.debian.org/debian)
#   ME_KEEP_IMAGE=0  remove the image at the end (default: keep it)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
image=${ME_IMAGE:-localhost/migration_exporter:dev}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
build_only=no
[ "${1:-}" = --build-only ] && build_only=yes

log() { printf '== %s\n' "$*"; }
die() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

# --- tools: the project's own (PostgreSQL for the throwaway cluster, curl, the npm validators),
# then podman (builds with buildah's code), Debian's runc, debootstrap for the base images.
"$root/scripts/install-deps.sh"
needed=(podman buildah runc debootstrap curl python3)
missing=()
for pkg in "${needed[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# crun (podman's default runtime) fails on these machines; runc works once the default limits on
# open files and processes no longer ask for more than the hard limits this sandbox allows.
work=$(mktemp -d /var/tmp/me-container.XXXXXX)
# (Measured here: nofile up to the shell's hard limit works; nproc fails somewhere above 4096.)
nofile=$(ulimit -Hn)
nproc=4096
cat >"$work/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[engine]
runtime = "runc"
CONF
export CONTAINERS_CONF=$work/containers.conf

container=""
pg_dir=""
cleanup() {
  [ -n "$container" ] && podman rm -f "$container" >/dev/null 2>&1 || true
  [ -n "$pg_dir" ] && "$root/tests/pg_cluster.sh" stop "$pg_dir" || true
  if [ "${ME_KEEP_IMAGE:-1}" = 0 ]; then podman rmi -f "$image" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# --- the base image: what `FROM debian:bookworm` resolves to, made locally (the runtime is scratch).
make_base_images() {
  local rootfs=$work/rootfs
  log "debootstrap --variant=minbase bookworm from $mirror"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -n 20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
  # Like Debian's official images: updates and security suites, no apt caches.
  rm -f "$rootfs/etc/apt/sources.list"
  cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
  # No package caches left behind by apt inside images (Debian's official images ship the same).
  cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'APTCONF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APTCONF
  echo 'Acquire::Languages "none";' >"$rootfs/etc/apt/apt.conf.d/docker-no-languages"
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb
  tar --numeric-owner -C "$rootfs" -c . | podman import --quiet --change 'CMD ["bash"]' - docker.io/library/debian:bookworm >/dev/null
  rm -rf "$rootfs"
}
if podman image exists docker.io/library/debian:bookworm; then
  log "base image debian:bookworm already present (podman rmi it to rebuild)"
else
  make_base_images
fi

# --- the image itself. --format docker keeps HEALTHCHECK (the OCI image format has no field for it).
revision=$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
version=$(sed -n 's/^project(migration_exporter VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
log "podman build $image (version ${version:-unknown}, revision $revision)"
started=$(date +%s)
dangling_before=$(podman images -q -f dangling=true | sort)
podman build --pull=never --network=host --format docker -t "$image" \
  --build-arg VERSION="${version:-unknown}" --build-arg REVISION="$revision" \
  --build-arg CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)" -f "$root/Dockerfile" "$root" >"$work/build.log" 2>&1 \
  || { tail -n 40 "$work/build.log" >&2; die "podman build failed (full log above)"; }
log "built in $(( $(date +%s) - started )) s"
# The build stage's image (~740 MB) is left untagged: remove it, and only it.
comm -13 <(echo "$dangling_before") <(podman images -q -f dangling=true | sort) | xargs -r podman rmi >/dev/null
size_bytes=$(podman image inspect --format '{{.Size}}' "$image")
compressed_bytes=$(podman save --format docker-archive "$image" 2>/dev/null | gzip -6 | wc -c)
log "image size: $(( size_bytes / 1000000 )) MB unpacked, $(( compressed_bytes / 1000000 )) MB gzip-compressed"

version_line=$(podman run --rm --no-healthcheck "$image" --version) || die "the image cannot run migration_exporter --version"
log "in the image: $version_line"
# No `id` in a scratch image: the configured user, and the exporter's own uid once it runs below.
uid=$(podman image inspect --format '{{.Config.User}}' "$image")
[ "$uid" = 10211:10211 ] || die "the image's USER is '$uid', expected the non-root 10211:10211"
if podman run --rm --no-healthcheck --entrypoint /bin/sh "$image" -c true >/dev/null 2>&1; then
  die "the image has a shell"
fi
log "runs as uid $uid (non-root)"
healthcheck=$(podman image inspect --format '{{json .Config.Healthcheck}}' "$image")
case $healthcheck in *'"/usr/bin/migration_exporter","healthcheck"'*) ;; *) die "HEALTHCHECK lost in the image: $healthcheck" ;; esac
[ "$build_only" = yes ] && { log "--build-only: image built and checked, not run against PostgreSQL"; exit 0; }

# --- run it against a throwaway PostgreSQL seeded with the demo history, as the monitoring role.
pg_dir=$(mktemp -d /tmp/me-ctr-pg.XXXXXX)
"$root/tests/pg_cluster.sh" start "$pg_dir" >/dev/null
# shellcheck source=/dev/null
source "$pg_dir/env"
export PGHOST PGPORT PGUSER PGDATABASE
psql -X -q -v ON_ERROR_STOP=1 -f "$root/scripts/demo/seed.sql" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -f "$root/deploy/sql/monitor_role.sql" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -c "ALTER ROLE migration_exporter PASSWORD 'container-check'"
listen_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
dsn="postgresql://migration_exporter:container-check@127.0.0.1:$PGPORT/postgres?sslmode=disable"
container=me-container-check-$$
podman run -d --name "$container" --network=host -e DATA_SOURCE_NAME="$dsn" \
  "$image" \
  "--web.listen-address=127.0.0.1:$listen_port" >/dev/null 2>"$work/run.log" \
  || { cat "$work/run.log" >&2; die "podman run failed"; }
log "container $container listening on 127.0.0.1:$listen_port, database 127.0.0.1:$PGPORT"

body=$work/metrics.txt
for _ in $(seq 1 60); do
  if [ "$(podman inspect --format '{{.State.Running}}' "$container")" != true ]; then
    podman logs "$container" >&2 || true
    die "the exporter exited inside the container (log above)"
  fi
  if curl -fsS "http://127.0.0.1:$listen_port/readyz" >/dev/null 2>&1; then break; fi
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$listen_port/metrics" -o "$body" \
  || { podman logs "$container" >&2; die "no /metrics from the container"; }
grep -Eq '^pg_up(\{[^}]*\})? 1$' "$body" || { head -n 40 "$body" >&2; die "pg_up is not 1 in the container's /metrics"; }
grep -Eq '^migration_failed\{[^}]*table="flyway_schema_history"[^}]*\} 2$' "$body" \
  || { grep -E '^migration_' "$body" | head -n 20 >&2; die "the seeded failed migration is not in /metrics"; }
log "/metrics from the container: $(grep -vc '^#' "$body") samples, pg_up 1, the seeded failure reported"
node "$root/tests/tools/deploy/validate_platforms.mjs" "$root/deploy" "$work" "$body" | head -n 1
podman healthcheck run "$container" >/dev/null || die "the image's HEALTHCHECK fails against the running exporter"
log "HEALTHCHECK (migration_exporter healthcheck, following PID 1's --web.listen-address) passes"

# MIGRATION_EXPORTER_DEFAULT_CONFIG picks up a config mounted at the default location: a valid one passes
# --check-config, a broken one fails it and is named in the error (so it was really read).
cat >"$work/config.toml" <<TOML
[[targets]]
name = "demo"
dsn = "host=127.0.0.1 port=$PGPORT dbname=postgres user=migration_exporter sslmode=disable"
password_env = "DEMO_PASSWORD"
TOML
printf '[[targets]]\nname = "demo"\nno_such_key = 1\n' >"$work/broken.toml"
chmod 644 "$work/config.toml" "$work/broken.toml"
check_config() {
  podman run --rm --no-healthcheck --network=host -e DEMO_PASSWORD=container-check \
    -v "$1:/etc/migration_exporter/config.toml:ro" "$image" --check-config >"$work/check.log" 2>&1
}
check_config "$work/config.toml" \
  || { cat "$work/check.log" >&2; die "--check-config with a valid config at /etc/migration_exporter/config.toml failed"; }
if check_config "$work/broken.toml"; then
  die "--check-config passed with a broken config at /etc/migration_exporter/config.toml: MIGRATION_EXPORTER_DEFAULT_CONFIG did not use it"
fi
grep -q "config.toml" "$work/check.log" || { cat "$work/check.log" >&2; die "the config error does not name the file"; }
log "a config mounted at /etc/migration_exporter/config.toml is used: valid passes --check-config, broken fails naming it"
log "container check passed"
