"""Auto-discovery at scale (issue 17): one exporter watching every database of a server.

At each size D (default 10, 100, 1,000) the same cluster holds D tenant databases, each with a
Flyway history of 5 rows and 3 small tables (made from one template database). Then, one after the
other on that cluster:
  - ours: migration_exporter --auto-discover-databases at its defaults (15 s polls, at most 8
    sessions to discovered databases), measured over a window of whole polls after its first sweep;
  - peer: Debian's prometheus-postgres-exporter 0.11.1 --auto-discover-databases, which runs its
    queries on each database on every scrape, scraped every 15 s as Prometheus would.
Per contestant: poll time (ours: the last full sweep of every database; the peer: a scrape), peak
sessions of its role (pg_stat_activity, sampled every 0.25 s), RSS (VmRSS, and VmHWM), database
execution time per poll (pg_stat_statements of its role over the window), CPU seconds per poll.
"""
import argparse
import json
import subprocess
import threading
import time
from pathlib import Path

import cluster as clusters
import measure
import procs

OURS_ROLE, PEER_ROLE = "bench_ours", "bench_peer"
POLL_SECONDS = 15
TEMPLATE = "tenant_template"


def make_template(db):
    db.psql("postgres", f"""
        CREATE ROLE {OURS_ROLE} LOGIN; GRANT pg_monitor TO {OURS_ROLE};
        CREATE ROLE {PEER_ROLE} LOGIN; GRANT pg_monitor TO {PEER_ROLE};
        CREATE DATABASE {TEMPLATE};""")
    db.psql(TEMPLATE, f"""
        CREATE TABLE flyway_schema_history (installed_rank INT PRIMARY KEY, version VARCHAR(50),
          description VARCHAR(200) NOT NULL, type VARCHAR(20) NOT NULL, script VARCHAR(1000) NOT NULL,
          checksum INTEGER, installed_by VARCHAR(100) NOT NULL,
          installed_on TIMESTAMP NOT NULL DEFAULT now(), execution_time INTEGER NOT NULL,
          success BOOLEAN NOT NULL);
        INSERT INTO flyway_schema_history
        SELECT g, g::text, 'step ' || g, 'SQL', 'V' || g || '__step.sql', g, 'deploy', now(), 10, true
        FROM generate_series(1, 5) g;
        CREATE TABLE accounts (id bigserial PRIMARY KEY, name text);
        CREATE TABLE invoices (id bigserial PRIMARY KEY, account_id bigint REFERENCES accounts);
        CREATE TABLE events (id bigserial PRIMARY KEY, payload jsonb);
        INSERT INTO accounts (name) SELECT 'a' || g FROM generate_series(1, 20) g;
        GRANT SELECT ON flyway_schema_history TO {OURS_ROLE}, {PEER_ROLE};
        ANALYZE;""")
    db.psql("postgres", f"ALTER DATABASE {TEMPLATE} WITH IS_TEMPLATE true")


def grow(db, have, want):
    for i in range(have + 1, want + 1):
        # FILE_COPY: a small template is copied as files, not written through the WAL.
        db.psql("postgres", f"CREATE DATABASE tenant_{i:04d} TEMPLATE {TEMPLATE} STRATEGY FILE_COPY")


def sessions_of(db, role):
    return int(db.psql("postgres", f"SELECT count(*) FROM pg_stat_activity WHERE usename = '{role}'")[0][0])


class Sampler:
    """Peak sessions of a role, sampled in the background."""

    def __init__(self, db, role):
        self.db, self.role, self.peak, self.stop = db, role, 0, threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop.is_set():
            self.peak = max(self.peak, sessions_of(self.db, self.role))
            self.stop.wait(0.25)

    def finish(self):
        self.stop.set()
        self.thread.join()
        return self.peak


def statement_ms(db, role):
    return sum(ms for _, ms, _ in db.statements(role))


def metric(port, name):
    for line in measure.get(port)[2].decode().splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return None


def run_ours(db, binary, port, work, size, window):
    dsn = f"host=127.0.0.1 port={db.port} dbname=postgres user={OURS_ROLE} sslmode=disable"
    sampler = Sampler(db, OURS_ROLE)
    started = procs.Started("ours", [binary, f"--web.listen-address=127.0.0.1:{port}",
                                     "--auto-discover-databases", "--log.level=warn"],
                            Path(work) / f"ours_{size}.log", work,
                            env={"DATA_SOURCE_NAME": dsn, "PATH": "/usr/bin:/bin"})
    try:
        measure.wait_http(port, "/readyz", 120, started.alive)
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:  # the first sweep of every database
            if ((metric(port, "migration_exporter_discovered_databases") or 0) >= size
                    and (metric(port, "migration_exporter_discovery_last_sweep_seconds") or 0) > 0):
                break
            time.sleep(0.5)
        first_sweep = metric(port, "migration_exporter_discovery_last_sweep_seconds")
        db.reset_statements()
        cpu0 = procs.cpu_seconds(started.pids())
        connects0 = metric(port, "migration_exporter_discovery_connects_total")
        time.sleep(window)
        polls = window / POLL_SECONDS
        result = {
            "first_sweep_s": first_sweep,
            "poll_s": metric(port, "migration_exporter_discovery_last_sweep_seconds"),
            "db_ms_per_poll": statement_ms(db, OURS_ROLE) / polls,
            "cpu_s_per_poll": (procs.cpu_seconds(started.pids()) - cpu0) / polls,
            "connects_per_poll": (metric(port, "migration_exporter_discovery_connects_total") - connects0) / polls,
            "rss_mib": procs.status_kib(started.pids(), "VmRSS") / 1024,
            "hwm_mib": procs.status_kib(started.pids(), "VmHWM") / 1024,
            "series": sum(1 for l in measure.get(port)[2].decode().splitlines() if l and l[0] != "#"),
        }
    finally:
        result_peak = sampler.finish()
        started.stop()
    result["peak_sessions"] = result_peak
    return result


def run_peer(db, port, work, size, scrapes):
    uri = f"postgresql://{PEER_ROLE}@127.0.0.1:{db.port}/postgres?sslmode=disable"
    sampler = Sampler(db, PEER_ROLE)
    started = procs.Started("peer", ["prometheus-postgres-exporter", f"--web.listen-address=127.0.0.1:{port}",
                                     "--auto-discover-databases", "--log.level=warn"],
                            Path(work) / f"peer_{size}.log", work,
                            env={"DATA_SOURCE_NAME": uri, "PATH": "/usr/bin:/bin"})
    try:
        measure.wait_http(port, "/", 60, started.alive)
        measure.get(port, timeout=600)  # the first scrape opens its connections
        db.reset_statements()
        cpu0 = procs.cpu_seconds(started.pids())
        times, body = [], b""
        for _ in range(scrapes):
            t0 = time.monotonic()
            body = measure.get(port, timeout=600)[2]
            times.append(time.monotonic() - t0)
            time.sleep(max(0.0, POLL_SECONDS - times[-1]))
        result = {
            "poll_s": sorted(times)[len(times) // 2],
            "db_ms_per_poll": statement_ms(db, PEER_ROLE) / scrapes,
            "cpu_s_per_poll": (procs.cpu_seconds(started.pids()) - cpu0) / scrapes,
            "rss_mib": procs.status_kib(started.pids(), "VmRSS") / 1024,
            "hwm_mib": procs.status_kib(started.pids(), "VmHWM") / 1024,
            "series": sum(1 for l in body.decode(errors="replace").splitlines() if l and l[0] != "#"),
        }
    finally:
        result_peak = sampler.finish()
        started.stop()
    result["peak_sessions"] = result_peak
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--window", type=int, default=60, help="seconds of ours measured (whole polls)")
    parser.add_argument("--peer-scrapes", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    db = clusters.Cluster(args.root, args.work)
    db.start()
    results = []
    try:
        db.psql("postgres", f"ALTER SYSTEM SET max_connections = {max(sizes) + 300}")
        for action in ("halt", "resume"):
            subprocess.run([f"{args.root}/tests/pg_cluster.sh", action, str(db.dir)], check=True)
        make_template(db)
        have = 0
        for size in sizes:
            started = time.monotonic()
            grow(db, have, size)
            have = size
            print(f"discovery bench: {size} databases ready in {time.monotonic() - started:.0f}s", flush=True)
            ours = run_ours(db, args.binary, 59301, args.work, size, args.window)
            print(f"  ours {json.dumps(ours)}", flush=True)
            peer = run_peer(db, 59302, args.work, size, args.peer_scrapes)
            print(f"  peer {json.dumps(peer)}", flush=True)
            results.append({"databases": size, "ours": ours, "peer": peer,
                            "load": procs.load_average()})
    finally:
        db.stop()
    Path(args.out).write_text(json.dumps(results, indent=2))
    lines = ["| databases | contestant | poll s | peak sessions | DB ms per poll | CPU s per poll | RSS MiB (peak) | series |",
             "|---|---|---|---|---|---|---|---|"]
    for r in results:
        for name in ("ours", "peer"):
            m = r[name]
            lines.append(f"| {r['databases']:,} | {name} | {m['poll_s']:.2f} | {m['peak_sessions']} | "
                         f"{m['db_ms_per_poll']:.0f} | {m['cpu_s_per_poll']:.2f} | "
                         f"{m['rss_mib']:.0f} ({m['hwm_mib']:.0f}) | {m['series']:,} |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
