#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL cluster for the tests and the demo.
#   pg_cluster.sh start DIR   initdb in DIR/data, listen on 127.0.0.1:<free port> and a unix socket
#                             in DIR, write DIR/env (PGHOST, PGPORT, PGUSER, PGDATABASE) for callers
#   pg_cluster.sh stop DIR    stop it (fast) and delete DIR
#   pg_cluster.sh halt DIR    stop the server but keep the cluster (to simulate an outage)
#   pg_cluster.sh resume DIR  start a halted cluster again (same port)
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` OS user.
set -euo pipefail
action=${1:?usage: pg_cluster.sh start|stop|halt|resume DIR}
dir=${2:?usage: pg_cluster.sh start|stop|halt|resume DIR}
bindir=${PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[ -x "$bindir/initdb" ] || { echo "pg_cluster: no PostgreSQL server binaries found (install postgresql-15)" >&2; exit 1; }

as_server_user() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 - <<'PY'
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

case "$action" in
  start)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    chmod 755 "$dir"
    as_server_user "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    port=$(free_port)
    cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = logical
max_replication_slots = 10
max_wal_senders = 10
shared_preload_libraries = 'pg_stat_statements'
log_min_messages = warning
CONF
    as_server_user "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    cat >"$dir/env" <<ENV
PGHOST=$dir
PGPORT=$port
PGUSER=postgres
PGDATABASE=postgres
ENV
    echo "pg_cluster: started on 127.0.0.1:$port (socket in $dir)"
    ;;
  stop)
    if [ -d "$dir/data" ]; then
      as_server_user "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  halt)
    as_server_user "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
  resume)
    as_server_user "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null
    ;;
  *) echo "usage: pg_cluster.sh start|stop|halt|resume DIR" >&2; exit 2 ;;
esac
