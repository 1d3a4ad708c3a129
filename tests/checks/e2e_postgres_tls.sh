#!/usr/bin/env bash
# End to end: TLS to PostgreSQL through libpq (sslmode=verify-full, sslrootcert) against a cluster
# with a server certificate made here, scram passwords over hostssl only; a wrong CA and a wrong
# password are refused and reported without the password anywhere.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"
start_private_cluster
work=$(mktemp -d)
on_exit "rm -rf '$work'"
cd "$work"

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=test-ca" -keyout ca.key -out ca.pem 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server.key -out server.csr 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >san.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile san.ext -out server.pem 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=other-ca" -keyout other.key -out other-ca.pem 2>/dev/null
install -m 0600 server.key "$cluster/data/server.key"
install -m 0644 server.pem "$cluster/data/server.crt"
[ "$(id -u)" -ne 0 ] || chown postgres: "$cluster/data/server.key" "$cluster/data/server.crt"

password="Tls-Scram-pw-$$"
psql -q -v ON_ERROR_STOP=1 -c "ALTER SYSTEM SET ssl = on" \
  -c "SET password_encryption = 'scram-sha-256'" \
  -c "CREATE ROLE tls_monitor LOGIN PASSWORD '$password'" -c "GRANT pg_monitor TO tls_monitor" \
  -c "GRANT SELECT ON flyway_schema_history TO tls_monitor"
# Only TLS with a password over TCP; the local socket stays trusted for the test's own psql.
printf 'local all all trust\nhostssl all all 127.0.0.1/32 scram-sha-256\nhostnossl all all 127.0.0.1/32 reject\n' \
  >"$cluster/data/pg_hba.conf"
"$ME_SOURCE_DIR/tests/pg_cluster.sh" halt "$cluster"
"$ME_SOURCE_DIR/tests/pg_cluster.sh" resume "$cluster"

run_exporter() {  # dsn-suffix log-file
  port=$(free_port)
  DATA_SOURCE_NAME="host=localhost port=$PGPORT dbname=postgres user=tls_monitor $1" PGPASSWORD="$3" \
    "$ME_BIN" --web.listen-address="127.0.0.1:$port" --poll.interval=1s >"$2" 2>&1 &
  local pid=$!
  on_exit "kill -9 $pid"
  wait_http "http://127.0.0.1:$port/readyz" 200 20
}

run_exporter "sslmode=verify-full sslrootcert=$work/ca.pem" good.log "$password"
wait_scraped "http://127.0.0.1:$port" 'pg_up{datname="postgres"}' 1 10
ssl_backends=$(psql -At -c "SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'migration_exporter' AND s.ssl")
[ "$ssl_backends" -ge 1 ] || fail "the exporter's session is not encrypted"
pass "sslmode=verify-full with our CA: pg_up 1, the session is TLS (pg_stat_ssl)"

run_exporter "sslmode=verify-full sslrootcert=$work/other-ca.pem" wrong-ca.log "$password"
sleep 1.5
[ "$(scraped_value "http://127.0.0.1:$port" 'pg_up{datname="postgres"}')" = 0 ] || fail "a server certificate from another CA was accepted"
grep -q 'certificate verify failed' wrong-ca.log || { cat wrong-ca.log; fail "the certificate error is not logged"; }
pass "a certificate from another CA: refused, pg_up 0, the reason logged"

run_exporter "sslmode=verify-full sslrootcert=$work/ca.pem" wrong-pw.log "not-$password"
sleep 1.5
[ "$(scraped_value "http://127.0.0.1:$port" 'pg_up{datname="postgres"}')" = 0 ] || fail "a wrong password got in"
grep -q 'password authentication failed' wrong-pw.log || { cat wrong-pw.log; fail "the authentication error is not logged"; }
for file in good.log wrong-ca.log wrong-pw.log; do
  if grep -q -- "$password" "$file"; then fail "the password appears in $file"; fi
done
pass "a wrong password: refused, logged, and no password in any log"
