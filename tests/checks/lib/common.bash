# Shared helpers for tests/checks/*.sh (sourced, not a check itself).
set -euo pipefail
# `set -e` ends a check silently when a command fails outside a test of its own; name the line and
# the command so that a CI log says what failed (a check died like this on 2026-12-02, unexplained).
report_silent_exit() {  # status line command: only when `set -e` is about to end the script
  [[ $- == *e* ]] && echo "FAIL: ${BASH_SOURCE[1]}:$2: \`$3\` exited $1" >&2
  return 0
}
trap 'report_silent_exit $? $LINENO "$BASH_COMMAND"' ERR

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

# Exports PGHOST/PGPORT/PGUSER/PGDATABASE of the suite's throwaway cluster.
use_test_cluster() {
  [ -n "${ME_PG_DIR_FILE:-}" ] || fail "ME_PG_DIR_FILE not set: run through ctest"
  local dir
  dir=$(cat "$ME_PG_DIR_FILE")
  set -a; source "$dir/env"; set +a
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_http URL EXPECTED_CODE SECONDS
wait_http() {
  local url=$1 code=$2 seconds=$3 got=""
  for _ in $(seq $((seconds * 10))); do
    got=$(curl -s -o /dev/null -w '%{http_code}' "$url" || true)
    [ "$got" = "$code" ] && return 0
    sleep 0.1
  done
  fail "$url did not answer $code within ${seconds}s (last: $got)"
}

# metric_value BODY_FILE 'series{labels}' -> prints the value (exact series match)
metric_value() {
  # Label values may hold spaces: match the whole series text, the value is the last field.
  awk -v series="$2" 'substr($0, 1, length(series) + 1) == series " " { print $NF; found = 1 }
                      END { if (!found) exit 1 }' "$1"
}

expect_metric() {
  local file=$1 series=$2 expected=$3 got
  got=$(metric_value "$file" "$series") || fail "series missing: $series"
  [ "$got" = "$expected" ] || fail "$series = $got, expected $expected"
  pass "$series = $expected"
}

# Commands run when the check exits, last registered first (kill the exporter before its cluster).
_exit_actions=()
on_exit() { _exit_actions+=("$1"); }
_run_exit_actions() {
  local i
  for ((i = ${#_exit_actions[@]} - 1; i >= 0; i--)); do eval "${_exit_actions[$i]}" >/dev/null 2>&1 || true; done
}
trap _run_exit_actions EXIT

# A cluster of the check's own (for outages it may cause), seeded with the demo history; exports
# its PG* variables and sets `cluster` to its directory. Stopped and deleted on exit.
start_private_cluster() {
  cluster=$(mktemp -d /tmp/me-check.XXXXXX)
  on_exit "'$ME_SOURCE_DIR/tests/pg_cluster.sh' stop '$cluster'"
  "$ME_SOURCE_DIR/tests/pg_cluster.sh" start "$cluster" >/dev/null
  set -a; source "$cluster/env"; set +a
  psql -q -v ON_ERROR_STOP=1 -f "$ME_SOURCE_DIR/scripts/demo/seed.sql"
}

# scraped_value BASE_URL SERIES -> the value of one series (no labels with spaces)
scraped_value() { awk -v s="$2" '$1 == s { print $2 }' <<<"$(curl -sf "$1/metrics")"; }

# wait_scraped BASE_URL SERIES EXPECTED SECONDS
wait_scraped() {
  for _ in $(seq $(($4 * 10))); do
    [ "$(scraped_value "$1" "$2")" = "$3" ] && return 0
    sleep 0.1
  done
  fail "$2 did not become $3 within $4s (now: $(scraped_value "$1" "$2"))"
}
