#!/usr/bin/env bash
# Installs everything the build, the demo and the tests need, from Debian's archive (and npm where a
# check needs a Node tool). Idempotent: packages already present are not fetched again.
# Each area of the project lists its own needs in scripts/deps/*.sh, sourced below, so that adding
# a check touches only its own file.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# What compiling the binary needs. ME_DEPS_BUILD_ONLY=1 (the Dockerfile's build stage) installs only
# these: an area whose code needs a library to compile appends it to APT_BUILD_PACKAGES.
APT_BUILD_PACKAGES=(
  build-essential cmake ninja-build pkg-config
  prometheus-cpp-dev libpq-dev libboost1.81-dev libtomlplusplus-dev libspdlog-dev
  zlib1g-dev libyaml-cpp-dev libssl-dev libcrypt-dev
)
APT_PACKAGES=(
  libgtest-dev
  postgresql-15 postgresql-client-15
  prometheus curl procps python3 netcat-openbsd gzip wrk openssl clang-14 libclang-rt-14-dev
)
NPM_DIRS=()

# Areas append to APT_PACKAGES and NPM_DIRS (folders holding a package.json + package-lock.json).
for extra in "$here"/deps/*.sh; do
  [ -e "$extra" ] || continue
  # shellcheck source=/dev/null
  source "$extra"
done
if [ "${ME_DEPS_BUILD_ONLY:-0}" = 1 ]; then
  APT_PACKAGES=("${APT_BUILD_PACKAGES[@]}")
  NPM_DIRS=()
else
  APT_PACKAGES=("${APT_BUILD_PACKAGES[@]}" "${APT_PACKAGES[@]}")
fi

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get -o DPkg::Lock::Timeout=600 update -qq
  # postgresql-common would create and start a system cluster we do not want: the tests and the
  # demo run their own throwaway clusters.
  $sudo_cmd mkdir -p /etc/postgresql-common/createcluster.d
  echo "create_main_cluster = false" | $sudo_cmd tee /etc/postgresql-common/createcluster.d/no-main.conf >/dev/null
  $sudo_cmd apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

for dir in "${NPM_DIRS[@]}"; do
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
    echo "install-deps: npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    touch "$dir/node_modules"
  fi
done
