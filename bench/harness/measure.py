"""Measuring one /metrics endpoint from the outside: sequential scrapes over one keep-alive
connection (as Prometheus scrapes), wrk for throughput and latency under load, and the body."""
import http.client
import re
import statistics
import subprocess
import time


def percentile(values, fraction):
    """Nearest-rank percentile (p99 of 20 samples is their maximum: say n next to it)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(fraction * len(ordered) + 0.999999)))
    return ordered[rank - 1]


def get(port, path="/metrics", accept_gzip=False, timeout=120):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Accept-Encoding": "gzip"} if accept_gzip else {}
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def wait_http(port, path, deadline_seconds, alive=lambda: True):
    deadline = time.monotonic() + deadline_seconds
    last = None
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError(f"server for :{port} exited before answering {path}")
        try:
            status, _, _ = get(port, path, timeout=5)
            if status == 200:
                return
            last = status
        except OSError as error:
            last = error
        time.sleep(0.2)
    raise RuntimeError(f"http://127.0.0.1:{port}{path} not ready after {deadline_seconds}s ({last})")


def sequential(port, max_scrapes, budget_seconds, min_scrapes=3, accept_gzip=True):
    """Scrapes one after another over one kept-alive connection; returns latencies in ms."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Accept-Encoding": "gzip"} if accept_gzip else {}
    latencies = []
    started = time.monotonic()
    try:
        while len(latencies) < max_scrapes and (
                len(latencies) < min_scrapes or time.monotonic() - started < budget_seconds):
            begin = time.perf_counter()
            connection.request("GET", "/metrics", headers=headers)
            response = connection.getresponse()
            response.read()
            latencies.append((time.perf_counter() - begin) * 1000)
            if response.status != 200:
                raise RuntimeError(f":{port}/metrics answered {response.status}")
    finally:
        connection.close()
    return {"n": len(latencies), "p50_ms": round(statistics.median(latencies), 3),
            "p99_ms": round(percentile(latencies, 0.99), 3),
            "max_ms": round(max(latencies), 3)}


def body_stats(port):
    """Plain and gzip sizes, series and families of the current body (the plain body is
    returned too, for the static floor)."""
    status, _, plain = get(port)
    if status != 200:
        raise RuntimeError(f":{port}/metrics answered {status}")
    _, headers, compressed = get(port, accept_gzip=True)
    served_gzip = headers.get("Content-Encoding", "").lower() == "gzip"
    text = plain.decode("utf-8", "replace")
    series = sum(1 for line in text.splitlines() if line and not line.startswith("#"))
    families = sum(1 for line in text.splitlines() if line.startswith("# TYPE "))
    return {"bytes": len(plain), "gzip_bytes": len(compressed) if served_gzip else None,
            "series": series, "families": families}, plain, (compressed if served_gzip else None)


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text):
    number, unit = re.fullmatch(r"([0-9.]+)([a-z]+)", text).groups()
    return float(number) * _UNITS_MS[unit]


def wrk(port, seconds, connections, threads, accept_gzip, out_path, timeout_seconds=30):
    """Runs wrk against /metrics and parses its --latency report."""
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s",
            f"--timeout={timeout_seconds}s", "--latency"]
    if accept_gzip:
        argv += ["-H", "Accept-Encoding: gzip"]
    argv.append(f"http://127.0.0.1:{port}/metrics")
    result = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 90)
    out_path.write_text(" ".join(argv) + "\n" + result.stdout + result.stderr)
    if result.returncode != 0:
        raise RuntimeError(f"wrk failed: {result.stderr.strip()}")
    text = result.stdout
    figures = {"requests": int(re.search(r"(\d+) requests in", text).group(1)),
               "rps": float(re.search(r"Requests/sec:\s+([0-9.]+)", text).group(1)),
               "errors": 0}
    for name, key in (("50%", "p50_ms"), ("99%", "p99_ms")):
        match = re.search(rf"^\s+{re.escape(name)}\s+(\S+)", text, re.M)
        figures[key] = round(_ms(match.group(1)), 3) if match else None
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if socket_errors:
        figures["errors"] += sum(int(v) for v in socket_errors.groups())
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if non_2xx:
        figures["errors"] += int(non_2xx.group(1))
    return figures


def collector_seconds(plain):
    """Sum of migration_exporter_collector_duration_seconds in our body: one poll's wall time in
    the collectors (SQL and building the families)."""
    total = 0.0
    for line in plain.decode("utf-8", "replace").splitlines():
        if line.startswith("migration_exporter_collector_duration_seconds{"):
            total += float(line.rsplit(" ", 1)[1])
    return total
