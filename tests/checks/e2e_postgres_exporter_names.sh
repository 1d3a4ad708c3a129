#!/usr/bin/env bash
# Name compatibility with postgres_exporter: runs Debian's prometheus-postgres-exporter (0.11.1, what
# users of Debian bookworm run) and our binary against the same database with the same DSN, and
# checks that every metric family both expose has the same name, type and label names, and that for
# pg_locks_count and pg_stat_activity_* the series of the long-lived databases are the same (same
# label values: datname, mode/state, server). Dashboards and alerts written for postgres_exporter
# then work unchanged on these families.
#
# Documented differences are allowed: pg_up (postgres_exporter's has no labels; ours carries
# datname, DESIGN.md's metric contract, so that several targets can be told apart), and the
# replication families, which follow newer postgres_exporter releases (no `server` label) and carry
# datname like every other series (README, "Tables, indexes and replication"). They only appear
# when a slot or replica exists, which depends on what other tests are doing at that moment.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"
use_test_cluster
: "${ME_BIN:?run through ctest}"
peer=$(command -v prometheus-postgres-exporter) ||
  fail "prometheus-postgres-exporter is not installed (scripts/install-deps.sh installs it through scripts/deps/live.sh)"

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# Same DSN for both (TCP, so that both derive the same `server` label from it). The peer's own
# service may be running on its default :9187 after the Debian install; we never use that port.
dsn="host=127.0.0.1 port=$PGPORT user=postgres dbname=postgres sslmode=disable"
peer_port=$(free_port)
DATA_SOURCE_NAME="$dsn" "$peer" --web.listen-address="127.0.0.1:$peer_port" \
  >"$work/peer.log" 2>&1 &
pids+=($!)
ours_port=$(free_port)
DATA_SOURCE_NAME="$dsn" "$ME_BIN" --web.listen-address="127.0.0.1:$ours_port" \
  >"$work/ours.log" 2>&1 &
pids+=($!)
(wait_http "http://127.0.0.1:$peer_port/metrics" 200 30) || { cat "$work/peer.log" >&2; exit 1; }
(wait_http "http://127.0.0.1:$ours_port/readyz" 200 30) || { cat "$work/ours.log" >&2; exit 1; }
curl -fsS "http://127.0.0.1:$peer_port/metrics" >"$work/peer.prom"
curl -fsS "http://127.0.0.1:$ours_port/metrics" >"$work/ours.prom"
echo "peer: $("$peer" --version 2>&1 | head -n 1)"

python3 - "$work/peer.prom" "$work/ours.prom" <<'PY'
import re, sys

LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+\S+')

def parse(path):
    """family -> (type, set of label-name tuples, set of label-value tuples)"""
    types, series = {}, {}
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            types[name] = kind
            series.setdefault(name, set())
        elif line and not line.startswith("#"):
            match = SAMPLE.match(line)
            if not match:
                sys.exit(f"FAIL: unparsable line in {path}: {line!r}")
            name = match.group(1)
            if name not in types:
                for suffix in ("_bucket", "_sum", "_count"):
                    if name.endswith(suffix) and name[: -len(suffix)] in types:
                        name = name[: -len(suffix)]
            labels = tuple(sorted(LABEL.findall(match.group(2) or "")))
            labels = tuple((k, v) for k, v in labels if k != "le" and k != "quantile")
            series.setdefault(name, set()).add(labels)
    return {name: (types.get(name, "untyped"), series.get(name, set())) for name in types}

peer, ours = parse(sys.argv[1]), parse(sys.argv[2])
shared = sorted(set(peer) & set(ours))
allowed_differences = {"pg_up", "pg_replication_slots_active", "pg_replication_slots_pg_wal_lsn_diff",
                       "pg_stat_replication_pg_current_wal_lsn_bytes", "pg_stat_replication_pg_wal_lsn_diff"}
must_share = {"pg_locks_count", "pg_stat_activity_count", "pg_stat_activity_max_tx_duration"}
failures = []
missing = must_share - set(shared)
if missing:
    failures.append(f"families we promise to share are missing from our output: {sorted(missing)}")

def label_names(rows):
    return sorted({tuple(k for k, _ in row) for row in rows})

stable = {"postgres", "template0", "template1"}  # other test databases come and go meanwhile
for name in shared:
    peer_type, peer_rows = peer[name]
    our_type, our_rows = ours[name]
    peer_names, our_names = label_names(peer_rows), label_names(our_rows)
    same = peer_type == our_type and peer_names == our_names
    status = "ok" if same else ("allowed" if name in allowed_differences else "FAIL")
    print(f"{status:8} {name}: peer {peer_type} {peer_names} / ours {our_type} {our_names}")
    if status == "FAIL":
        failures.append(f"{name}: type or label names differ")
    if name in must_share:
        keep = lambda rows: {r for r in rows if dict(r).get("datname") in stable}
        if keep(peer_rows) != keep(our_rows):
            failures.append(f"{name}: series differ: only peer {sorted(keep(peer_rows) - keep(our_rows))[:3]}, "
                            f"only ours {sorted(keep(our_rows) - keep(peer_rows))[:3]}")
        else:
            print(f"         {name}: the same {len(keep(peer_rows))} series for {sorted(stable)}")
if failures:
    print("\n".join("FAIL: " + f for f in failures), file=sys.stderr)
    sys.exit(1)
print(f"verified: {len(shared)} shared families have postgres_exporter's names, types and label names")
PY
