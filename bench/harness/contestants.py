"""The servers measured side by side: how each is configured and started.

  ours      migration_exporter (Release build) with every collector that is on by default, all at
            one poll interval so that a poll is one round of all of them. Two variants: the
            defaults (tables/indexes capped to the 300 largest), and `uncapped` (max_tables =
            max_indexes = 0), which exports every table like postgres_exporter does.
  peer      Debian's prometheus-postgres-exporter with its default collectors (pg_locks and
            pg_stat_activity among them) plus the pg_stat_user_tables block of the queries.yaml
            Debian ships with it: it runs its SQL on every scrape.
  floor     nginx-light serving a saved copy of our own body (plain, and our gzip bytes through
            gzip_static): what serving these bytes costs at the least.
"""
import os
import re
import subprocess
from pathlib import Path

PEER_QUERIES = Path("/usr/share/doc/prometheus-postgres-exporter/examples/queries.yaml")


def default_collectors(binary):
    """Names of the collectors that are on by default, from --help."""
    text = subprocess.run([binary, "--help"], capture_output=True, text=True, check=True).stdout
    return re.findall(r"^\s+(\w+)\s+\[on\]", text, re.M)


def ours_command(binary, variant, port, interval_seconds, work):
    collectors = default_collectors(binary)
    lines = ["# written by bench/harness: every default collector at one interval"]
    for name in collectors:
        lines += [f"[collectors.{name}]", f'interval = "{interval_seconds}s"']
        if variant == "uncapped" and name == "tables":
            lines.append("max_tables = 0")
        if variant == "uncapped" and name == "indexes":
            lines.append("max_indexes = 0")
    config = Path(work) / f"ours_{variant}.toml"
    config.write_text("\n".join(lines) + "\n")
    argv = [binary, f"--config.file={config}", f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn"]
    return argv, collectors


def peer_command(port, work):
    """postgres_exporter 0.11.1 as the shared peer harness runs it."""
    text = PEER_QUERIES.read_text()
    start = text.index("pg_stat_user_tables:")
    end = text.index("pg_statio_user_tables:")
    queries = Path(work) / "pgexp_queries.yaml"
    queries.write_text(text[start:end])
    return ["prometheus-postgres-exporter", f"--web.listen-address=127.0.0.1:{port}",
            f"--extend.query-path={queries}", "--log.level=warn"]


def nginx_command(port, work, plain, compressed):
    """nginx serving `plain` as /metrics, and `compressed` to clients that accept gzip."""
    root = Path(work) / f"nginx_{port}"
    static = root / "static"
    static.mkdir(parents=True, exist_ok=True)
    (static / "metrics").write_bytes(plain)
    (static / "metrics.gz").write_bytes(compressed)
    for path in (Path(work), root, static):
        os.chmod(path, 0o755)
    for path in static.iterdir():
        os.chmod(path, 0o644)
    config = root / "nginx.conf"
    config.write_text(f"""# static floor, written by bench/harness
worker_processes 2;
daemon off;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path {root}/body;
  proxy_temp_path {root}/proxy;
  fastcgi_temp_path {root}/fastcgi;
  uwsgi_temp_path {root}/uwsgi;
  scgi_temp_path {root}/scgi;
  types {{ }}
  default_type "text/plain; version=0.0.4; charset=utf-8";
  server {{
    listen 127.0.0.1:{port};
    root {static};
    location = /metrics {{ gzip_static on; }}
  }}
}}
""")
    return ["nginx", "-p", str(root), "-e", str(root / "error.log"), "-c", str(config)]
