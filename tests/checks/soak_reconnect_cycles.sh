#!/usr/bin/env bash
# Soak: 100 stop/start cycles of the database under a polling exporter. After each restart the
# exporter must be back (pg_up 1); over the cycles its open fds, threads and RSS stay flat and the
# server never holds more than the exporter's two connections (one per lane: live collectors and
# the rest).
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"
cycles=${ME_SOAK_CYCLES:-100}
warm=$((cycles < 10 ? cycles : 10))  # allocator warm-up cycles before RSS must stay flat

start_private_cluster
work=$(mktemp -d)
on_exit "rm -rf '$work'"

port=$(free_port)
DATA_SOURCE_NAME="host=127.0.0.1 port=$PGPORT dbname=postgres user=postgres connect_timeout=2" \
  "$ME_BIN" --web.listen-address="127.0.0.1:$port" --poll.interval=200ms >"$work/log" 2>&1 &
exporter=$!
on_exit "kill -9 $exporter"
base="http://127.0.0.1:$port"
wait_http "$base/readyz" 200 20

up() { scraped_value "$base" 'pg_up{datname="postgres"}'; }
wait_up() {
  for _ in $(seq 100); do [ "$(up)" = "$1" ] && return 0; sleep 0.05; done
  fail "cycle $2: pg_up did not become $1"
}
sample() {  # fds threads rss_kb
  echo "$(ls /proc/"$exporter"/fd | wc -l) $(ls /proc/"$exporter"/task | wc -l) $(awk '/VmRSS/ { print $2 }' /proc/"$exporter"/status)"
}
wait_up 1 0
read -r fds0 threads0 rss0 <<<"$(sample)"
for cycle in $(seq "$cycles"); do
  "$ME_SOURCE_DIR/tests/pg_cluster.sh" halt "$cluster"
  wait_up 0 "$cycle"
  "$ME_SOURCE_DIR/tests/pg_cluster.sh" resume "$cluster"
  wait_up 1 "$cycle"
  if [ "$cycle" -eq "$warm" ]; then read -r fds10 threads10 rss10 <<<"$(sample)"; fi
done
read -r fds1 threads1 rss1 <<<"$(sample)"
connections=$(psql -At -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'migration_exporter'")
echo "start: fds=$fds0 threads=$threads0 rss=${rss0}kB; after 10: fds=$fds10 threads=$threads10 rss=${rss10}kB; after $cycles: fds=$fds1 threads=$threads1 rss=${rss1}kB; server connections=$connections"
[ "$fds1" -le "$fds0" ] || fail "open fds grew: $fds0 -> $fds1"
[ "$threads1" -eq "$threads0" ] || fail "threads changed: $threads0 -> $threads1"
# RSS: allocator warm-up happens in the first cycles; after that it must not grow by more than 1 MiB.
[ "$rss1" -le $((rss10 + 1024)) ] || fail "RSS grew from ${rss10}kB (cycle 10) to ${rss1}kB (cycle $cycles)"
[ "$connections" -eq 2 ] || fail "the server holds $connections exporter connections, not 2 (one per lane)"
pass "$cycles stop/start cycles: fds, threads and RSS flat; two server connections (one per lane)"
