#!/usr/bin/env bash
# Lays out the runtime image's whole filesystem in DEST: the binary, exactly the shared libraries it
# loads (ldd, the dynamic loader included), CA certificates, time zones, and a passwd/group with
# the non-root user. No shell, no package manager: the Dockerfile copies DEST onto `scratch`, and
# tests/checks/container_rootfs.sh runs the exporter in it with chroot.
# Usage: scripts/container-rootfs.sh BINARY DEST
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 BINARY DEST" >&2; exit 2; }
binary=$1 dest=$2
[ -x "$binary" ] || { echo "container-rootfs: $binary is not an executable" >&2; exit 1; }
[ -e "$dest" ] && [ -n "$(ls -A "$dest")" ] && { echo "container-rootfs: $dest is not empty" >&2; exit 1; }
mkdir -p "$dest"/{usr/bin,usr/lib,etc/ssl/certs,tmp}
# The merged /usr layout of Debian bookworm: /lib and /lib64 are links into /usr.
ln -s usr/lib "$dest/lib"
if [ -d /usr/lib64 ]; then mkdir -p "$dest/usr/lib64" && ln -s usr/lib64 "$dest/lib64"; fi
chmod 1777 "$dest/tmp"

install -m 0755 "$binary" "$dest/usr/bin/migration_exporter"
# Every library the loader resolves, at the path it resolves it (the loader itself has no "=>").
ldd_output=$(ldd "$binary")
if grep -q 'not found' <<<"$ldd_output"; then
  echo "container-rootfs: a library of $binary is missing:" >&2
  grep 'not found' <<<"$ldd_output" >&2
  exit 1
fi
libraries=$(awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' <<<"$ldd_output")
for library in $libraries; do
  mkdir -p "$dest$(dirname "$library")"
  cp -L "$library" "$dest$library"
done

# libpq's sslrootcert=system and OpenSSL's default paths both end at Debian's bundle.
cp -L /etc/ssl/certs/ca-certificates.crt "$dest/etc/ssl/certs/ca-certificates.crt"
mkdir -p "$dest/usr/lib/ssl"
ln -s /etc/ssl/certs "$dest/usr/lib/ssl/certs"
ln -s /etc/ssl/certs/ca-certificates.crt "$dest/usr/lib/ssl/cert.pem"
# --check-config validates time_zone against the zone database.
mkdir -p "$dest/usr/share"
cp -a /usr/share/zoneinfo "$dest/usr/share/zoneinfo"
# libpq asks getpwuid() for the default user name; the numeric user must have an entry.
cat >"$dest/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/usr/sbin/nologin
migration_exporter:x:10211:10211:migration_exporter:/nonexistent:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
PASSWD
cat >"$dest/etc/group" <<'GROUP'
root:x:0:
migration_exporter:x:10211:
nogroup:x:65534:
GROUP
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$dest/etc/nsswitch.conf"
mkdir -p "$dest/etc/migration_exporter"
echo "container-rootfs: $(du -sh --apparent-size "$dest" | cut -f1) in $dest ($(wc -w <<<"$libraries") libraries)"
