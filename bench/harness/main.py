"""bench/harness: migration_exporter, postgres_exporter and a static floor, side by side.

Called by bench/run.sh (which builds the Release binary first). For each table count N it grows
the one throwaway cluster to N tables, then measures, one at a time:
  ours (each variant), the static floor serving that variant's body, and the peer.
Every figure of a run lands in OUT/results.json (rewritten after each measurement, so a failed run
keeps what it measured) and OUT/summary.md.
"""
import argparse
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import cluster as cluster_mod
import contestants
import measure
import procs
import report

ROLES = {"ours_default": "bench_ours_default", "ours_uncapped": "bench_ours_uncapped",
         "ours_hourly": "bench_ours_hourly", "peer": "bench_peer"}

# The defaults the hourly window is built around (README, per-family cadence): a poll every 15 s,
# statio_user_tables and the other slow collectors every minute, sizes, settings and sequences every
# 5 minutes, the rankings and database sizes every 15 minutes.
DEFAULT_POLL_S = 15
LONGEST_CADENCE_S = 900


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class Bench:
    def __init__(self, options):
        self.options = options
        self.root = Path(options.root)
        self.work = Path(options.work)
        self.out = Path(options.out)
        (self.work / "pids").mkdir(parents=True, exist_ok=True)
        self.out.mkdir(parents=True, exist_ok=True)
        self.cluster = cluster_mod.Cluster(self.root, self.work)
        self.results = {"meta": self.meta(), "shapes": {}, "runs": []}

    def meta(self):
        revision = subprocess.run(["git", "-C", str(self.root), "describe", "--always", "--dirty"],
                                  capture_output=True, text=True).stdout.strip()
        return {"started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "revision": revision, "cores": os.cpu_count(), "kernel": platform.release(),
                "poll_interval_s": self.options.poll_interval, "idle_window_s": self.options.idle,
                "hourly_window_s": self.options.hourly_window,
                "peer_scrape_interval_s": self.options.peer_scrape_interval,
                "peer_replicas": self.options.peer_replicas,
                "wrk": {"seconds": self.options.wrk_seconds, "connections": self.options.connections,
                        "threads": self.options.threads},
                "history_rows": self.options.history, "idle_clients": self.options.clients,
                "sizes": self.options.sizes, "variants": self.options.variants}

    def save(self):
        (self.out / "results.json").write_text(json.dumps(self.results, indent=1) + "\n")

    def started(self, name, argv, env=None):
        return procs.Started(name, argv, self.out / f"{name}.log", self.work / "pids", env=env)

    # ---- the measurements shared by all servers ------------------------------------------------
    def run_wrk(self, server, port, tables, label, accept_gzip, role=None):
        kind = "gzip" if accept_gzip else "plain"
        if role:
            self.cluster.reset_statements()
        cpu_before, pg_before = procs.cpu_seconds(server.pids()), self.cluster.cpu_seconds()
        busy_before, began = procs.host_busy_sample(), time.monotonic()
        figures = measure.wrk(port, self.options.wrk_seconds, self.options.connections,
                              self.options.threads, accept_gzip,
                              self.out / f"wrk_{label}_N{tables}_{kind}.txt")
        elapsed = time.monotonic() - began
        figures["cpu_s"] = round(procs.cpu_seconds(server.pids()) - cpu_before, 2)
        figures["pg_cpu_s"] = round(self.cluster.cpu_seconds() - pg_before, 2)
        figures["host_busy_pct"] = procs.busy_percent(busy_before, procs.host_busy_sample())
        figures["elapsed_s"] = round(elapsed, 2)
        if role:
            calls = [c for c, _, _ in self.cluster.statements(role)]
            figures["statements_per_s"] = round(sum(calls) / elapsed, 2)
            polls = statistics.median(calls) if calls else 0
            figures["statements_per_poll"] = round(sum(calls) / polls, 2) if polls else None
        log(f"{label} N={tables} wrk {kind}: {figures['rps']} req/s, p99 {figures['p99_ms']} ms, "
            f"errors {figures['errors']}, cpu {figures['cpu_s']} s")
        return figures

    def settled_rss_kib(self, server):
        """The lowest RSS over one poll interval: what stays resident between polls (a poll of
        thousands of tables builds series objects for a moment; so does a scrape in flight)."""
        lowest = None
        deadline = time.monotonic() + self.options.poll_interval + 1
        while time.monotonic() < deadline:
            value = procs.status_kib(server.pids(), "VmRSS")
            lowest = value if lowest is None else min(lowest, value)
            time.sleep(0.1)
        return lowest

    def record(self, entry):
        entry["load_avg"] = procs.load_average()
        self.results["runs"].append(entry)
        self.save()

    # ---- ours ---------------------------------------------------------------------------------------
    def run_ours(self, tables, variant):
        label, role = f"ours_{variant}", ROLES[f"ours_{variant}"]
        port = free_port()
        argv, collectors = contestants.ours_command(self.options.binary, variant, port,
                                                    self.options.poll_interval, self.work)
        env = dict(os.environ, DATA_SOURCE_NAME=self.cluster.tcp_dsn(role))
        server = self.started(f"{label}_N{tables}", argv, env)
        entry = {"server": "ours", "variant": variant, "label": label, "N": tables,
                 "collectors": collectors, "load_avg_start": procs.load_average()}
        try:
            measure.wait_http(port, "/readyz", 120, server.alive)
            for _ in range(5):
                measure.get(port)
                measure.get(port, accept_gzip=True)
            entry["rss_warm_kib"] = self.settled_rss_kib(server)  # also lets one more poll run
            body, plain, compressed = measure.body_stats(port)
            entry.update(body)
            entry["poll_collectors_s"] = round(measure.collector_seconds(plain), 4)

            # Idle window: no scrapes; what one poll costs the exporter and the database.
            self.cluster.reset_statements()
            cpu_before, began = procs.cpu_seconds(server.pids()), time.monotonic()
            time.sleep(self.options.idle)
            idle_elapsed = time.monotonic() - began
            idle_cpu = procs.cpu_seconds(server.pids()) - cpu_before
            statements = self.cluster.statements(role)
            polls = statistics.median([c for c, _, _ in statements]) if statements else 0
            calls = sum(c for c, _, _ in statements)
            entry["idle"] = {
                "seconds": round(idle_elapsed, 2), "polls": polls, "cpu_s": round(idle_cpu, 3),
                "statements": [[c, round(ms, 2), q] for c, ms, q in statements],
                "statements_per_s": round(calls / idle_elapsed, 2)}
            entry["statements_per_poll"] = round(calls / polls, 2) if polls else None
            entry["db_ms_per_poll"] = round(sum(ms for _, ms, _ in statements) / polls, 2) if polls else None
            entry["cpu_s_per_poll"] = round(idle_cpu / polls, 4) if polls else None

            entry["sequential"] = measure.sequential(port, 1000, 10)
            log(f"{label} N={tables}: {body['series']} series, {body['bytes']} B, poll "
                f"{entry['poll_collectors_s']} s in collectors, {entry['statements_per_poll']} "
                f"statements/poll, sequential p50 {entry['sequential']['p50_ms']} ms")
            idle_rate = idle_cpu / idle_elapsed
            for accept_gzip in (False, True):
                figures = self.run_wrk(server, port, tables, label, accept_gzip, role)
                # The exporter keeps polling while it serves: take the idle rate off to get what
                # serving cost.
                serving = max(0.0, figures["cpu_s"] - idle_rate * figures["elapsed_s"])
                figures["cpu_s_per_1000"] = round(1000 * serving / max(1, figures["requests"]), 4)
                entry["wrk_gzip" if accept_gzip else "wrk_plain"] = figures
            entry["rss_loaded_kib"] = procs.status_kib(server.pids(), "VmRSS")
            entry["rss_after_kib"] = self.settled_rss_kib(server)
            entry["hwm_after_kib"] = procs.status_kib(server.pids(), "VmHWM")
        finally:
            server.stop()
        self.record(entry)
        return plain, compressed

    # ---- ours at the shipped defaults, over an hour's worth of cadences --------------------------
    def run_ours_hourly(self, tables):
        """migration_exporter exactly as shipped (no config, no interval override): its database
        time over a window of whole cadences, scaled to an hour. The window starts one poll after
        the start-up poll (which ranks and sizes everything) and lasts LONGEST_CADENCE_S, so it
        holds exactly one ranking and database sizing, three size measurements, fifteen runs of
        the per-minute collectors and sixty polls, as any hour holds four, twelve, sixty and 240."""
        label, role = "ours_hourly", ROLES["ours_hourly"]
        port = free_port()
        argv = [self.options.binary, f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"]
        env = dict(os.environ, DATA_SOURCE_NAME=self.cluster.tcp_dsn(role))
        server = self.started(f"{label}_N{tables}", argv, env)
        entry = {"server": "ours", "variant": "hourly", "label": label, "N": tables,
                 "load_avg_start": procs.load_average()}
        try:
            measure.wait_http(port, "/readyz", 300, server.alive)
            time.sleep(DEFAULT_POLL_S + 5)
            self.cluster.reset_statements()
            began = time.monotonic()
            time.sleep(self.options.hourly_window)
            elapsed = time.monotonic() - began
            statements = self.cluster.statements(role)
            db_ms = sum(ms for _, ms, _ in statements)
            calls = sum(c for c, _, _ in statements)
            polls = elapsed / DEFAULT_POLL_S
            entry["hourly"] = {
                "window_s": round(elapsed, 1), "db_ms": round(db_ms, 1), "statements": calls,
                "db_ms_per_hour": round(db_ms * 3600 / elapsed, 1),
                "statements_per_hour": round(calls * 3600 / elapsed),
                "db_ms_per_poll": round(db_ms / polls, 2),
                "top": [[c, round(ms, 2), q[:160]] for c, ms, q in
                        sorted(statements, key=lambda row: -row[1])[:8]]}
            log(f"{label} N={tables}: {entry['hourly']['db_ms_per_hour']} DB ms per hour at the "
                f"defaults ({calls} statements in {elapsed:.0f} s)")
        finally:
            server.stop()
        self.record(entry)

    # ---- the static floor ------------------------------------------------------------------------------
    def run_floor(self, tables, variant, plain, compressed):
        label = f"floor_{variant}"
        port = free_port()
        server = self.started(f"{label}_N{tables}",
                              contestants.nginx_command(port, self.work, plain, compressed))
        entry = {"server": "floor", "variant": variant, "label": label, "N": tables,
                 "bytes": len(plain), "gzip_bytes": len(compressed),
                 "load_avg_start": procs.load_average()}
        try:
            measure.wait_http(port, "/metrics", 30, server.alive)
            status, headers, served = measure.get(port, accept_gzip=True)
            if headers.get("Content-Encoding") != "gzip" or served != compressed:
                raise RuntimeError("nginx does not serve the gzip body (gzip_static)")
            entry["rss_warm_kib"] = procs.status_kib(server.pids(), "VmRSS")
            entry["sequential"] = measure.sequential(port, 1000, 10)
            for accept_gzip in (False, True):
                figures = self.run_wrk(server, port, tables, label, accept_gzip)
                figures["cpu_s_per_1000"] = round(1000 * figures["cpu_s"] / max(1, figures["requests"]), 4)
                entry["wrk_gzip" if accept_gzip else "wrk_plain"] = figures
            entry["rss_loaded_kib"] = procs.status_kib(server.pids(), "VmRSS")
            entry["rss_after_kib"] = entry["rss_loaded_kib"]
            entry["hwm_after_kib"] = procs.status_kib(server.pids(), "VmHWM")
        finally:
            server.stop()
        self.record(entry)

    # ---- the peer ---------------------------------------------------------------------------------------
    def wait_peer_idle(self, timeout=90):
        """Scrapes wrk gave up on keep running in the peer: let them finish before the next step."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            active = int(self.cluster.psql("postgres", "SELECT count(*) FROM pg_stat_activity "
                                           f"WHERE usename = '{ROLES['peer']}' AND state = 'active'")[0][0])
            if active == 0:
                return
            time.sleep(0.5)

    def run_peer(self, tables):
        label, role = "peer", ROLES["peer"]
        port = free_port()
        env = dict(os.environ, DATA_SOURCE_NAME=self.cluster.tcp_uri(role))
        server = self.started(f"peer_N{tables}", contestants.peer_command(port, self.work), env)
        entry = {"server": "peer", "variant": None, "label": label, "N": tables,
                 "load_avg_start": procs.load_average()}
        try:
            measure.wait_http(port, "/", 30, server.alive)
            for _ in range(2):
                measure.get(port, accept_gzip=True)
            entry["rss_warm_kib"] = procs.status_kib(server.pids(), "VmRSS")
            body, _, _ = measure.body_stats(port)
            entry.update(body)
            # Its poll is the scrape: SQL, database time and CPU per sequential scrape.
            self.cluster.reset_statements()
            cpu_before = procs.cpu_seconds(server.pids())
            entry["sequential"] = measure.sequential(port, 20, 20)
            scrapes = entry["sequential"]["n"]
            cpu = procs.cpu_seconds(server.pids()) - cpu_before
            statements = self.cluster.statements(role)
            entry["statements_per_poll"] = round(sum(c for c, _, _ in statements) / scrapes, 2)
            entry["db_ms_per_poll"] = round(sum(ms for _, ms, _ in statements) / scrapes, 2)
            entry["cpu_s_per_poll"] = round(cpu / scrapes, 4)
            entry["poll_collectors_s"] = round(entry["sequential"]["p50_ms"] / 1000, 4)
            entry["idle"] = {"statements": [[c, round(ms, 2), q] for c, ms, q in statements],
                             "polls": scrapes}
            log(f"peer N={tables}: {body['series']} series, {body['bytes']} B, "
                f"{entry['statements_per_poll']} statements/scrape, sequential p50 "
                f"{entry['sequential']['p50_ms']} ms")
            for accept_gzip in (False, True):
                figures = self.run_wrk(server, port, tables, label, accept_gzip, role)
                figures["cpu_s_per_1000"] = round(1000 * figures["cpu_s"] / max(1, figures["requests"]), 4)
                entry["wrk_gzip" if accept_gzip else "wrk_plain"] = figures
                if not accept_gzip:
                    entry["rss_after_kib"] = procs.status_kib(server.pids(), "VmRSS")
                self.wait_peer_idle()
            entry["rss_loaded_kib"] = max(entry["rss_after_kib"], procs.status_kib(server.pids(), "VmRSS"))
            entry["rss_after_kib"] = min(entry["rss_loaded_kib"], self.settled_rss_kib(server))
            entry["hwm_after_kib"] = procs.status_kib(server.pids(), "VmHWM")
        finally:
            server.stop()
        self.record(entry)

    # ---- the whole run -------------------------------------------------------------------------------------
    def run(self):
        log(f"starting PostgreSQL in {self.work / 'pg'}")
        self.cluster.start()
        self.cluster.create_history(self.options.history)
        for role in ROLES.values():
            self.cluster.add_monitoring_role(role)
        clients_started = False
        if self.options.hold:
            self.hold()
            return
        for tables in self.options.sizes:
            log(f"growing to {tables} tables")
            seconds = self.cluster.grow_tables(tables)
            if not clients_started:
                self.cluster.start_clients(self.options.clients, self.out)
                clients_started = True
            self.cluster.wait_autovacuum_idle()
            shape = self.cluster.describe()
            shape["grow_seconds"] = round(seconds, 1)
            self.results["shapes"][str(tables)] = shape
            log(f"shape: {shape}")
            for variant in self.options.variants:
                plain, compressed = self.run_ours(tables, variant)
                self.run_floor(tables, variant, plain, compressed)
            if self.options.hourly_window > 0:
                self.run_ours_hourly(tables)
            if not self.options.no_peer:
                self.run_peer(tables)
        self.results["meta"]["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self.save()

    def hold(self):
        """For profiling: the shape at the largest N, the exporters' roles, then wait."""
        self.cluster.grow_tables(max(self.options.sizes))
        self.cluster.start_clients(self.options.clients, self.out)
        self.cluster.wait_autovacuum_idle()
        (self.out / "hold.env").write_text(
            "".join(f"{k}={v}\n" for k, v in self.cluster.env.items()) +
            "".join(f"DSN_{k.upper()}='{self.cluster.tcp_dsn(role)}'\n" for k, role in ROLES.items()))
        log(f"holding the cluster for {self.options.hold} s: {self.out / 'hold.env'}")
        time.sleep(self.options.hold)

    def stop(self):
        procs.stop_recorded(self.work / "pids")
        self.cluster.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", required=True, help="the repository")
    parser.add_argument("--binary", required=True, help="migration_exporter (Release build)")
    parser.add_argument("--work", required=True, help="scratch directory (cluster, bodies)")
    parser.add_argument("--out", required=True, help="results directory of this run")
    parser.add_argument("--sizes", default="200,2000,10000")
    parser.add_argument("--variants", default="default,uncapped")
    parser.add_argument("--history", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--wrk-seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--poll-interval", type=int, default=5)
    parser.add_argument("--idle", type=int, default=30)
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--hourly-window", type=int, default=LONGEST_CADENCE_S, metavar="SECONDS",
                        help=f"ours at its shipped defaults for this long (a multiple of "
                             f"{LONGEST_CADENCE_S} s holds whole cadences; 0 skips it)")
    parser.add_argument("--peer-scrape-interval", type=int, default=15)
    parser.add_argument("--peer-replicas", type=int, default=2,
                        help="Prometheus servers scraping the peer (the usual HA pair)")
    parser.add_argument("--hold", type=int, default=0, metavar="SECONDS",
                        help="only build the shape at the largest N and keep it up (profiling)")
    options = parser.parse_args()
    options.sizes = [int(v) for v in options.sizes.split(",")]
    options.variants = [v for v in options.variants.split(",") if v]
    # SIGTERM (timeout(1), bench/run.sh) and SIGHUP end the run through the same cleanup as an error.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda number, _: sys.exit(128 + number))
    bench = Bench(options)
    try:
        bench.run()
    finally:
        bench.stop()
    if options.hold:
        return
    summary = report.render(bench.results)
    (bench.out / "summary.md").write_text(summary)
    print(summary)


if __name__ == "__main__":
    main()
