# shellcheck shell=bash
# Sourced by scripts/install-deps.sh. The tables/indexes/replication area: Debian's
# postgres_exporter is the peer bench/tables_scale.sh measures against (and whose metric names the
# tables collector keeps); pg_receivewal (postgresql-15, already listed) plays the replica in tests.
APT_PACKAGES+=(prometheus-postgres-exporter)
