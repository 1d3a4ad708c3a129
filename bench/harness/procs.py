"""Processes the benchmark starts: each in its own session, recorded, and stopped by its own id only.

Every process is started with setsid, so that it and its children (nginx workers, timeout's
child) form one session; CPU and RSS are summed over that session, and stopping signals that
session's process group. A record (pid and kernel start time) is written to the work directory so
that bench/run.sh can still stop it if the harness itself dies.
"""
import os
import signal
import subprocess
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid):
    """The fields of /proc/PID/stat after "(comm)": index 0 = state, 1 = ppid, 3 = session,
    11/12 = utime/stime, 13/14 = cutime/cstime, 19 = start time (clock ticks)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()


def start_time(pid):
    fields = _stat_fields(pid)
    return int(fields[19]) if fields else None


class Started:
    """One started session leader."""

    def __init__(self, name, argv, log_path, pid_dir, env=None, stdin=subprocess.DEVNULL, cwd=None):
        self.name = name
        self.log = open(log_path, "wb")
        self.popen = subprocess.Popen(argv, stdin=stdin, stdout=self.log, stderr=subprocess.STDOUT,
                                      env=env, cwd=cwd, start_new_session=True)
        self.pid = self.popen.pid
        self.start_ticks = start_time(self.pid)
        self.record = Path(pid_dir) / f"{name}.pid"
        self.record.write_text(f"{self.pid} {self.start_ticks}\n")

    def alive(self):
        return self.popen.poll() is None

    def pids(self):
        """Every live process of this session (the leader and its descendants)."""
        return session_pids(self.pid)

    def stop(self, grace=5.0):
        if self.alive() and start_time(self.pid) == self.start_ticks:
            for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
                try:
                    os.killpg(self.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.popen.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        # Children that outlived the leader (same session) go too.
        for pid in session_pids(self.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.popen.stdin:
            self.popen.stdin.close()
        self.log.close()
        self.record.unlink(missing_ok=True)


def session_pids(session):
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(entry)
            if fields and int(fields[3]) == session and fields[0] != "Z":
                pids.append(int(entry))
    return pids


def cpu_seconds(pids):
    """User + system CPU of the processes (threads included, reaped children included)."""
    ticks = 0
    for pid in pids:
        fields = _stat_fields(pid)
        if fields:
            ticks += sum(int(fields[i]) for i in (11, 12, 13, 14))
    return ticks / CLOCK_TICKS


def children_cpu_seconds(parent):
    """CPU of a process and its direct children (a postmaster and its backends)."""
    ticks = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(entry)
            if fields and (int(entry) == parent or int(fields[1]) == parent):
                ticks += sum(int(fields[i]) for i in (11, 12, 13, 14))
    return ticks / CLOCK_TICKS


def status_kib(pids, field):
    """Sum of a /proc/PID/status field (VmRSS, VmHWM) in KiB."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith(field + ":"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def load_average():
    return Path("/proc/loadavg").read_text().split()[:3]


def host_busy_sample():
    """(total, idle) jiffies of /proc/stat's cpu line, for a busy % between two samples."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(values[:8]), values[3] + values[4]


def busy_percent(before, after):
    total, idle = after[0] - before[0], after[1] - before[1]
    return round(100.0 * (1 - idle / total), 1) if total else None


def stop_recorded(pid_dir):
    """Stops what records in pid_dir name, if the pid still is the process we started."""
    for record in Path(pid_dir).glob("*.pid"):
        pid, ticks = (int(v) for v in record.read_text().split())
        if start_time(pid) == ticks:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        record.unlink(missing_ok=True)
