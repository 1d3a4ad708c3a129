#!/usr/bin/env bash
# ctest fixture: start/stop the suite's throwaway PostgreSQL. The cluster lives in a short /tmp path
# (unix socket paths are limited to ~100 bytes); its location is written to the file given.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
action=$1 path_file=$2
case "$action" in
  start)
    if [ -f "$path_file" ]; then "$here/pg_cluster.sh" stop "$(cat "$path_file")" || true; fi
    dir=$(mktemp -d /tmp/me-test-pg.XXXXXX)
    "$here/pg_cluster.sh" start "$dir"
    echo "$dir" >"$path_file"
    ;;
  stop)
    [ -f "$path_file" ] || exit 0
    "$here/pg_cluster.sh" stop "$(cat "$path_file")"
    rm -f "$path_file"
    ;;
esac
