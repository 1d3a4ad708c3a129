#!/usr/bin/env bash
# Compatibility with postgres_exporter, against the real peer: Debian's prometheus-postgres-exporter
# (0.11.1, what users of Debian bookworm run) and our binary on the same database with the same DSN.
#
# Superset (our default): every family both expose must have the same name, type and label names,
# the same series (label values) for the databases that do not come and go while other tests run,
# and the same values: exactly for what cannot move (pg_settings_*, template0's size,
# stats_reset, pg_up), and for counters bracketed by two of our polls, one before and one after the
# peer's scrape (ours before <= peer <= ours after).
#
# Companion (--compat.companion): our output shares no family name with the peer's, except the
# process_* families every Prometheus client exports about its own process.
#
# Documented differences (README, "Compatibility with postgres_exporter"), the ones today's upstream
# made since 0.11 and we follow: no `server` label (0.11 puts it on every family; today's releases
# only on pg_stat_database_conflicts_*, where we keep it), no pg_stat_database row for shared
# objects (datid 0, datname ""). Ours: pg_up and pg_exporter_last_scrape_error carry datname; the
# replication families (present only while a slot or replica exists) carry datname and follow newer
# releases. Our lock and session counts leave out our own session, so those values are not compared.
# Values: a never-reset stats_reset is NaN in 0.11 and 0 in today's releases and ours; the peer's Go
# driver sets extra_float_digits for its session, and pg_settings_* report the server's values.
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
DATA_SOURCE_NAME="$dsn" "$peer" --web.listen-address="127.0.0.1:$peer_port" >"$work/peer.log" 2>&1 &
pids+=($!)
ours_port=$(free_port)
DATA_SOURCE_NAME="$dsn" "$ME_BIN" --web.listen-address="127.0.0.1:$ours_port" --poll.interval=1s \
  >"$work/ours.log" 2>&1 &
pids+=($!)
companion_port=$(free_port)
DATA_SOURCE_NAME="$dsn" "$ME_BIN" --web.listen-address="127.0.0.1:$companion_port" --compat.companion \
  >"$work/companion.log" 2>&1 &
pids+=($!)
(wait_http "http://127.0.0.1:$peer_port/metrics" 200 30) || { cat "$work/peer.log" >&2; exit 1; }
(wait_http "http://127.0.0.1:$ours_port/readyz" 200 30) || { cat "$work/ours.log" >&2; exit 1; }
(wait_http "http://127.0.0.1:$companion_port/readyz" 200 30) || { cat "$work/companion.log" >&2; exit 1; }
sleep 1.2  # a full poll of every collector at the 1 s interval
curl -fsS "http://127.0.0.1:$ours_port/metrics" >"$work/ours_before.prom"
sleep 1.2  # the peer reads the server after our poll above
curl -fsS "http://127.0.0.1:$peer_port/metrics" >"$work/peer.prom"
sleep 2.5  # and our next poll starts after the peer's read
curl -fsS "http://127.0.0.1:$ours_port/metrics" >"$work/ours.prom"
curl -fsS "http://127.0.0.1:$companion_port/metrics" >"$work/companion.prom"
echo "peer: $("$peer" --version 2>&1 | head -n 1)"

python3 - "$work" <<'PY'
import math, re, sys, os

LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)')

def parse(path):
    """family -> (type, {labels tuple: value})"""
    types, series = {}, {}
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            types[name] = kind
            series.setdefault(name, {})
        elif line and not line.startswith("#"):
            match = SAMPLE.match(line)
            if not match:
                sys.exit(f"FAIL: unparsable line in {path}: {line!r}")
            name = match.group(1)
            if name not in types:
                for suffix in ("_bucket", "_sum", "_count"):
                    if name.endswith(suffix) and name[: -len(suffix)] in types:
                        name = name[: -len(suffix)]
            labels = tuple(sorted((k, v) for k, v in LABEL.findall(match.group(2) or "")
                                  if k not in ("le", "quantile")))
            series.setdefault(name, {})[labels] = float(match.group(3))
    return {name: (types.get(name, "untyped"), series.get(name, {})) for name in types}

work = sys.argv[1]
peer, ours, before = (parse(os.path.join(work, f)) for f in ("peer.prom", "ours.prom", "ours_before.prom"))
companion = parse(os.path.join(work, "companion.prom"))
# process_* describe each exporter's own process: the same names, nothing to compare.
shared = sorted(n for n in set(peer) & set(ours) if not n.startswith("process_"))
failures = []

# Families whose labels we keep different on purpose (see the header).
own_labels = {"pg_up", "pg_exporter_last_scrape_error"}
replication = {"pg_replication_slots_active", "pg_replication_slots_pg_wal_lsn_diff",
               "pg_stat_replication_pg_current_wal_lsn_bytes", "pg_stat_replication_pg_wal_lsn_diff"}
keeps_server = lambda name: name.startswith("pg_stat_database_conflicts_")
# Session-dependent values (our own session is not counted; the peer's is): series compared, not values.
live = ("pg_locks_count", "pg_stat_activity_", "pg_stat_database_numbackends")
# Parameters the peer's Go driver sets for its own session (lib/pq: extra_float_digits = 2): it
# reports its session's value, we report the server's.
client_settings = {"pg_settings_extra_float_digits"}
# Families every release of ours must share with the peer (the mixin's).
must_share = {"pg_locks_count", "pg_stat_activity_count", "pg_stat_activity_max_tx_duration",
              "pg_settings_max_connections", "pg_stat_database_xact_commit", "pg_stat_database_blks_hit",
              "pg_stat_bgwriter_checkpoints_timed_total", "pg_database_size_bytes", "pg_up",
              "pg_exporter_last_scrape_error", "pg_stat_archiver_archived_count",
              "pg_stat_database_conflicts_confl_lock"}
missing = must_share - set(shared)
if missing:
    failures.append(f"families we promise to share are missing from our output: {sorted(missing)}")

stable_dbs = {"postgres", "template0", "template1"}  # other test databases come and go meanwhile
def comparable(name, rows):
    out = {}
    for labels, value in rows.items():
        d = dict(labels)
        if "datname" in d and d["datname"] not in stable_dbs:
            continue
        if name.startswith("pg_stat_database") and d.get("datid") == "0":
            continue  # 0.11's row for shared objects; today's releases leave it out, as we do
        if not keeps_server(name):
            d.pop("server", None)
        out[tuple(sorted(d.items()))] = value
    return out

def label_names(rows):
    return sorted({tuple(k for k, _ in labels) for labels in rows})

compared_values = 0
for name in shared:
    (peer_type, peer_rows), (our_type, our_rows) = peer[name], ours[name]
    peer_cmp, our_cmp = comparable(name, peer_rows), comparable(name, our_rows)
    if name in own_labels or name in replication:
        print(f"allowed  {name}: peer {label_names(peer_rows)} / ours {label_names(our_rows)}")
        if name in own_labels and sorted(peer_rows.values()) != sorted(set(our_rows.values())):
            failures.append(f"{name}: peer {sorted(peer_rows.values())}, ours {sorted(our_rows.values())}")
        continue
    problems = []
    if peer_type != our_type:
        problems.append(f"type: peer {peer_type}, ours {our_type}")
    if label_names(peer_cmp) != label_names(our_cmp):
        problems.append(f"label names: peer {label_names(peer_cmp)}, ours {label_names(our_cmp)}")
    elif set(peer_cmp) != set(our_cmp):
        problems.append(f"series: only peer {sorted(set(peer_cmp) - set(our_cmp))[:3]}, "
                        f"only ours {sorted(set(our_cmp) - set(peer_cmp))[:3]}")
    elif not name.startswith(live):
        earlier = comparable(name, before.get(name, ("", {}))[1])
        for labels, peer_value in peer_cmp.items():
            ours_value = our_cmp[labels]
            if math.isnan(peer_value) and math.isnan(ours_value):
                continue
            if name.endswith("stats_reset") and math.isnan(peer_value) and ours_value == 0:
                continue  # never reset: 0.11 says NaN, today's releases (and we) say 0
            if name in client_settings:
                continue
            exact = (name.startswith("pg_settings_") or name.endswith("stats_reset")
                     or name.endswith("stats_reset_total")
                     or (name == "pg_database_size_bytes" and dict(labels)["datname"] == "template0"))
            if exact:
                ok = peer_value == ours_value
            elif our_type == "counter" and labels in earlier:
                ok = earlier[labels] <= peer_value <= ours_value
            else:
                continue  # a gauge that may move between the two reads
            compared_values += 1
            if not ok:
                problems.append(f"value {dict(labels)}: peer {peer_value}, ours "
                                f"{ours_value if exact else (earlier.get(labels), ours_value)}")
    status = "FAIL" if problems else "ok"
    print(f"{status:8} {name}: {our_type} {label_names(our_cmp)}, {len(our_cmp)} series")
    for problem in problems:
        failures.append(f"{name}: {problem}")

# Companion mode: nothing of postgres_exporter's.
overlap = sorted(n for n in set(peer) & set(companion) if not n.startswith("process_"))
print(f"companion: {len(companion)} families, {len(overlap)} shared with the peer: {overlap}")
if overlap:
    failures.append(f"companion mode exports postgres_exporter's families: {overlap}")
for name in ("migration_exporter_database_up", "pg_blocked_sessions", "migration_exporter_collector_success"):
    if name not in companion:
        failures.append(f"companion mode lost our own family {name}")

if failures:
    print("\n".join("FAIL: " + f for f in failures), file=sys.stderr)
    sys.exit(1)
print(f"verified: {len(shared)} shared families have postgres_exporter's names, types and labels; "
      f"{compared_values} values compared; companion mode shares no family with it")
PY
