"""The throwaway PostgreSQL the benchmark measures against, and its shape.

tests/pg_cluster.sh starts it (loopback only, trust auth, pg_stat_statements preloaded). The shape
is what a production database under a migration looks like to a monitoring sidecar:
  - N user tables over four schemas, each with an identity primary key, two secondary indexes, a
    jsonb column (so a TOAST table and its index) and a few rows, analyzed; grown in place from one
    size to the next, so that one cluster serves every N of a run;
  - a Flyway history (public.flyway_schema_history) of M rows, a few of them failed;
  - K idle client connections (one pgbench process whose script sleeps);
  - a lock queue: one session holds ACCESS EXCLUSIVE on billing.t_000001 in an open transaction,
    and three others wait behind it (a SELECT, an UPDATE and an ALTER TABLE).
Each exporter connects with its own login role (member of pg_monitor, SELECT on the history), so
pg_stat_statements tells the statements of each apart.
"""
import glob
import os
import subprocess
import time
from pathlib import Path

import procs

DATABASE = "bench"
APP_ROLE = "bench_app"
LOCKED_TABLE = "billing.t_000001"
SCHEMAS = ("app", "billing", "audit", "reporting")
HOLD_SECONDS = 7200  # helpers give up by themselves after this, even if nobody stops them


def server_bindir():
    override = os.environ.get("PG_BINDIR")
    if override:
        return override
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                        key=lambda p: int(p.split("/")[-2]))
    if not candidates:
        raise RuntimeError("no PostgreSQL server binaries (install postgresql-15)")
    return candidates[-1]


class Cluster:
    def __init__(self, root, work):
        self.root = Path(root)
        self.dir = Path(work) / "pg"
        self.work = Path(work)
        self.bindir = server_bindir()
        self.env = {}
        self.tables = 0
        self.helpers = []

    # ---- lifecycle ------------------------------------------------------------------------------
    def start(self):
        subprocess.run([str(self.root / "tests/pg_cluster.sh"), "start", str(self.dir)], check=True,
                       stdout=subprocess.DEVNULL)
        for line in (self.dir / "env").read_text().splitlines():
            key, _, value = line.partition("=")
            self.env[key] = value
        self.psql("postgres", f"""
            CREATE ROLE {APP_ROLE} LOGIN;
            CREATE DATABASE {DATABASE};
        """)
        self.psql(DATABASE, f"""
            CREATE EXTENSION pg_stat_statements;
            GRANT CONNECT ON DATABASE {DATABASE} TO {APP_ROLE};
            {''.join(f'CREATE SCHEMA {s}; GRANT USAGE ON SCHEMA {s} TO {APP_ROLE};' for s in SCHEMAS)}
        """)

    def stop(self):
        for helper in self.helpers:
            helper.stop(grace=1.0)
        self.helpers = []
        if self.dir.exists():
            subprocess.run([str(self.root / "tests/pg_cluster.sh"), "stop", str(self.dir)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    @property
    def port(self):
        return int(self.env["PGPORT"])

    def tcp_dsn(self, role):
        return f"host=127.0.0.1 port={self.port} dbname={DATABASE} user={role} sslmode=disable"

    def tcp_uri(self, role):
        return f"postgresql://{role}@127.0.0.1:{self.port}/{DATABASE}?sslmode=disable"

    def postmaster_pid(self):
        return int((self.dir / "data/postmaster.pid").read_text().split()[0])

    def cpu_seconds(self):
        """CPU of the whole server: postmaster, backends, and backends that already exited."""
        return procs.children_cpu_seconds(self.postmaster_pid())

    # ---- SQL as superuser -------------------------------------------------------------------------
    def psql(self, database, sql, timeout=900):
        env = dict(os.environ, **self.env)
        result = subprocess.run(
            [f"{self.bindir}/psql", "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1",
             "-d", database], input=sql, env=env, capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(f"psql failed: {result.stderr.strip()}\n--- SQL ---\n{sql[:2000]}")
        return [line.split("\t") for line in result.stdout.splitlines() if line]

    def add_monitoring_role(self, role):
        self.psql("postgres", f"CREATE ROLE {role} LOGIN; GRANT pg_monitor TO {role};")
        self.psql(DATABASE, f"GRANT SELECT ON public.flyway_schema_history TO {role};")

    # ---- shape --------------------------------------------------------------------------------------
    def grow_tables(self, target, chunk=250):
        """Creates tables up to `target` (t_000001 …), 250 per transaction, and analyzes them."""
        started = time.monotonic()
        for first in range(self.tables + 1, target + 1, chunk):
            last = min(first + chunk - 1, target)
            self.psql(DATABASE, f"""
DO $$
DECLARE t text;
BEGIN
  FOR i IN {first}..{last} LOOP
    t := format('%I.%I', (ARRAY['app','billing','audit','reporting'])[1 + i % 4],
                't_' || lpad(i::text, 6, '0'));
    EXECUTE format('CREATE TABLE %s (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                     account_id int NOT NULL, status text NOT NULL, payload jsonb,
                     created_at timestamptz NOT NULL DEFAULT now())', t);
    EXECUTE format('CREATE INDEX ON %s (account_id)', t);
    EXECUTE format('CREATE INDEX ON %s (created_at)', t);
    EXECUTE format('INSERT INTO %s (account_id, status, payload)
                    SELECT g, (ARRAY[''new'',''paid'',''void''])[1 + g %% 3],
                           jsonb_build_object(''n'', g, ''src'', ''seed'')
                    FROM generate_series(1, %s) g', t, 3 + i % 3);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO {APP_ROLE}', t);
    EXECUTE format('ANALYZE %s', t);
  END LOOP;
END $$;""")
        self.tables = max(self.tables, target)
        # A few scans and updates, so that the statistics are not all zero.
        self.psql(DATABASE, """
DO $$
BEGIN
  FOR i IN 2..least(200, (SELECT count(*) FROM pg_stat_user_tables WHERE relname LIKE 't\\_%')::int)
  LOOP
    EXECUTE format('UPDATE %I.%I SET status = ''paid'' WHERE id = 1',
                   (ARRAY['app','billing','audit','reporting'])[1 + i % 4], 't_' || lpad(i::text, 6, '0'));
  END LOOP;
END $$;""")
        return time.monotonic() - started

    def create_history(self, rows):
        """Flyway's table with `rows` migrations, 37 minutes apart; every 997th and the newest
        failed, every 50th a repeatable migration."""
        self.psql(DATABASE, f"""
CREATE TABLE public.flyway_schema_history (
  installed_rank integer NOT NULL CONSTRAINT flyway_schema_history_pk PRIMARY KEY,
  version varchar(50),
  description varchar(200) NOT NULL,
  type varchar(20) NOT NULL,
  script varchar(1000) NOT NULL,
  checksum integer,
  installed_by varchar(100) NOT NULL,
  installed_on timestamp NOT NULL DEFAULT now(),
  execution_time integer NOT NULL,
  success boolean NOT NULL
);
CREATE INDEX flyway_schema_history_s_idx ON public.flyway_schema_history (success);
INSERT INTO public.flyway_schema_history
SELECT g,
       CASE WHEN g = 1 THEN '1' WHEN g % 50 = 0 THEN NULL ELSE g::text END,
       CASE WHEN g = 1 THEN '<< Flyway Baseline >>' WHEN g % 50 = 0 THEN 'refresh view ' || g
            ELSE 'migration ' || g END,
       CASE WHEN g = 1 THEN 'BASELINE' ELSE 'SQL' END,
       CASE WHEN g = 1 THEN '<< Flyway Baseline >>' WHEN g % 50 = 0 THEN 'R__refresh_view_' || g || '.sql'
            ELSE 'V' || g || '__migration_' || g || '.sql' END,
       CASE WHEN g = 1 THEN NULL ELSE hashtext('script' || g) END,
       'flyway',
       now()::timestamp - ({rows} - g) * interval '37 minutes',
       5 + (hashtext('t' || g) & 4095),
       NOT (g % 997 = 0 OR (g = {rows} AND g > 1))
FROM generate_series(1, {rows}) g;
ANALYZE public.flyway_schema_history;""")

    def start_clients(self, idle_clients, log_dir):
        """K idle connections and the lock queue. Waits until all of them are in place."""
        env = dict(os.environ, PGHOST="127.0.0.1", PGPORT=str(self.port), PGUSER=APP_ROLE,
                   PGDATABASE=DATABASE)
        if idle_clients > 0:
            script = self.work / "idle_client.sql"
            script.write_text("SELECT 1;\n\\sleep 600 s\n")
            self.helpers.append(procs.Started(
                "idle_clients",
                [f"{self.bindir}/pgbench", "-n", "-c", str(idle_clients), "-j", "1",
                 "-T", str(HOLD_SECONDS), "-f", str(script)],
                log_dir / "idle_clients.log", self.work / "pids", env=env))
        # Each lock session is a psql reading from a pipe the harness holds open: when the harness
        # goes away the pipe closes, psql exits and its transaction is rolled back.
        # The migration runs as the tables' owner, like a migration tool does.
        sessions = [
            ("lock_holder", APP_ROLE, ["BEGIN;", f"LOCK TABLE {LOCKED_TABLE} IN ACCESS EXCLUSIVE MODE;"]),
            ("lock_waiter_select", APP_ROLE, [f"SELECT count(*) FROM {LOCKED_TABLE};"]),
            ("lock_waiter_update", APP_ROLE,
             ["BEGIN;", f"UPDATE {LOCKED_TABLE} SET status = status WHERE id = 1;"]),
            ("lock_waiter_migration", "postgres",
             ["BEGIN;", f"ALTER TABLE {LOCKED_TABLE} ADD COLUMN note text;"]),
        ]
        for name, role, statements in sessions:
            helper = procs.Started(name, [f"{self.bindir}/psql", "-X", "-q"],
                                   log_dir / f"{name}.log", self.work / "pids",
                                   env=dict(env, PGUSER=role), stdin=subprocess.PIPE)
            helper.popen.stdin.write(
                (f"SET application_name = 'bench_{name}';\n" + "\n".join(statements) + "\n").encode())
            helper.popen.stdin.flush()
            self.helpers.append(helper)
            if name == "lock_holder":
                self._wait_for("SELECT count(*) FROM pg_locks WHERE granted AND mode = 'AccessExclusiveLock'"
                               f" AND relation = '{LOCKED_TABLE}'::regclass", 1)
        self._wait_for("SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'bench_lock_waiter%'"
                       " AND wait_event_type = 'Lock'", 3)
        self._wait_for(f"SELECT count(*) FROM pg_stat_activity WHERE usename = '{APP_ROLE}'"
                       " AND application_name = 'pgbench' AND state = 'idle'", idle_clients)

    def _wait_for(self, sql, expected, timeout=120):
        deadline = time.monotonic() + timeout
        while True:
            value = int(self.psql(DATABASE, sql)[0][0])
            if value >= expected:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"timed out waiting for {expected} from: {sql} (got {value})")
            time.sleep(0.3)

    def wait_autovacuum_idle(self, quiet_seconds=3, timeout=120):
        """Autovacuum after a bulk load would skew the next measurement: wait until it is done."""
        deadline = time.monotonic() + timeout
        quiet = 0
        while quiet < quiet_seconds and time.monotonic() < deadline:
            busy = int(self.psql("postgres", "SELECT count(*) FROM pg_stat_activity"
                                             " WHERE backend_type = 'autovacuum worker'")[0][0])
            quiet = 0 if busy else quiet + 1
            time.sleep(1)

    def describe(self):
        row = self.psql(DATABASE, f"""
SELECT (SELECT count(*) FROM pg_stat_user_tables),
       (SELECT count(*) FROM pg_stat_user_indexes),
       (SELECT count(*) FROM public.flyway_schema_history),
       (SELECT count(*) FROM public.flyway_schema_history WHERE NOT success),
       (SELECT count(*) FROM pg_stat_activity WHERE usename = '{APP_ROLE}' AND state = 'idle'),
       (SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'),
       pg_database_size(current_database()),
       current_setting('server_version')""")[0]
        keys = ("tables", "indexes", "history_rows", "history_failed", "idle_clients",
                "lock_waiters", "database_bytes", "server_version")
        return dict(zip(keys, [int(v) for v in row[:-1]] + [row[-1]]))

    # ---- pg_stat_statements -------------------------------------------------------------------------
    def reset_statements(self):
        self.psql(DATABASE, "SELECT pg_stat_statements_reset()")

    def statements(self, role):
        """[(calls, total exec ms, query)] of one role since the last reset."""
        rows = self.psql(DATABASE, f"""
SELECT calls, total_exec_time, left(regexp_replace(query, '\\s+', ' ', 'g'), 160)
FROM pg_stat_statements
WHERE userid = (SELECT oid FROM pg_roles WHERE rolname = '{role}')
ORDER BY total_exec_time DESC""")
        return [(int(c), float(ms), q) for c, ms, q in rows]
