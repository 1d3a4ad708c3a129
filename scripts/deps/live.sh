# shellcheck shell=bash
# Dependencies of the live-migration collectors' checks (sourced by scripts/install-deps.sh).
# prometheus-postgres-exporter is the peer whose metric names, types and labels
# tests/checks/e2e_postgres_exporter_names.sh compares ours with. Its Debian package may start a
# service on :9187; the check runs its own copy on a free port and never uses that one.
live_deps_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
: "$live_deps_root"  # the repo root, for areas that add npm folders; this one needs apt only
APT_PACKAGES+=(prometheus-postgres-exporter curl python3)
