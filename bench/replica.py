"""A streaming read replica of this machine's PostgreSQL 15 cluster, for the
benchmarks, and what a database server spends on one database.

    .venv/bin/python bench/replica.py start     # prints the replica's port
    .venv/bin/python bench/replica.py lag       # bytes of WAL the replica has not replayed yet
    .venv/bin/python bench/replica.py stop      # stops and removes it

Runs as root (or postgres) on a Debian/Ubuntu PostgreSQL: `pg_createcluster`
makes a second cluster's configuration, its data directory is replaced by a
`pg_basebackup -R` of the primary (the `main` cluster; streaming replication
over the local socket, as postgres), and it starts as a hot standby on its own
port. `national_load.py --replica` starts it before the load and removes it
after.
"""
import argparse
import os
import shutil
import subprocess
import time

VERSION = "15"
NAME = "fieldops_bench_replica"
PORT = 5499
PRIMARY_PORT = 5432


def _run(*command):
    subprocess.run(command, check=True, capture_output=True, text=True)


def _as_postgres(*command):
    return ("runuser", "-u", "postgres", "--") + command if os.geteuid() == 0 else command


def _psql(port, sql, database="postgres"):
    return subprocess.run(_as_postgres("psql", "-p", str(port), "-d", database, "-Atc", sql),
                          check=True, capture_output=True, text=True).stdout.strip()


def start(port=PORT, primary_port=PRIMARY_PORT, timeout=600) -> int:
    """A hot standby streaming from the primary on `port`, once it accepts queries."""
    stop(quiet=True)
    _run("pg_createcluster", VERSION, NAME, "-p", str(port))
    data = f"/var/lib/postgresql/{VERSION}/{NAME}"
    shutil.rmtree(data)
    began = time.perf_counter()
    _run(*_as_postgres("pg_basebackup", "-p", str(primary_port), "-D", data, "-R", "-X", "stream",
                       "-c", "fast"))
    print(f"base backup in {time.perf_counter() - began:.0f} s", flush=True)
    _run("pg_ctlcluster", VERSION, NAME, "start")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if _psql(port, "SELECT pg_is_in_recovery()") == "t":
                return port
        except subprocess.CalledProcessError:
            pass
        time.sleep(1)
    raise RuntimeError("the replica did not start")


def stop(quiet=False):
    try:
        _run("pg_dropcluster", "--stop", VERSION, NAME)
    except subprocess.CalledProcessError:
        if not quiet:
            raise


def lag_bytes(primary_port=PRIMARY_PORT):
    """WAL the replica has received but not replayed yet, or None when it is not streaming."""
    value = _psql(primary_port, "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) FROM pg_stat_replication "
                                f"WHERE application_name = '{VERSION}/{NAME}'")
    return int(float(value)) if value else None


def replica_url(database, port=PORT):
    return f"postgresql+psycopg:///{database}?host=/var/run/postgresql&port={port}"


class ServerLoad:
    """What a database server spent on one database between two readings: the
    CPU time of the backends serving it (their /proc counters; connections are
    pooled, so the same backends live through a scenario) and the transactions
    and rows its statistics counted."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, database, port=PRIMARY_PORT):
        self.database, self.port = database, port
        self.before = self._read()

    def _read(self):
        pids = _psql(self.port, f"SELECT pid FROM pg_stat_activity WHERE datname = '{self.database}'").split()
        cpu = {}
        for pid in pids:
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                cpu[pid] = int(fields[11]) + int(fields[12])
            except (FileNotFoundError, ProcessLookupError):
                pass
        stats = _psql(self.port, "SELECT xact_commit + xact_rollback, tup_returned + tup_fetched FROM pg_stat_database "
                                 f"WHERE datname = '{self.database}'").split("|")
        return cpu, int(stats[0]), int(stats[1])

    def since(self, requests):
        """{cpu_s, cpu_ms_per_request, transactions, rows_read} since this reading began."""
        cpu_before, xacts_before, rows_before = self.before
        cpu, xacts, rows = self._read()
        ticks = sum(max(t - cpu_before.get(pid, 0), 0) for pid, t in cpu.items())
        seconds = ticks / self.TICK
        return {"cpu_s": round(seconds, 2), "cpu_ms_per_request": round(seconds * 1000 / requests, 2) if requests else None,
                "transactions": xacts - xacts_before, "rows_read": rows - rows_before}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["start", "stop", "lag"])
    parser.add_argument("--port", type=int, default=PORT)
    args = parser.parse_args()
    if args.action == "start":
        print(start(args.port))
    elif args.action == "stop":
        stop()
    else:
        print(lag_bytes())


if __name__ == "__main__":
    main()
