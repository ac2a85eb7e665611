"""How long `shopcrm migrate-to` takes: a big SQLite shop to PostgreSQL, and back.

    /work/venv/bin/python benchmarks/bench_transfer.py --source /tmp/b100/shop.db \
        [--pg postgresql://user:pw@host:port/postgres] [--runs 1] [--cli]

The source file (and its -wal, if any) is copied first and never opened itself (even
a read-only connection leaves -wal and -shm files next to a WAL database); a
database `shopcrm_bench_transfer` is created on the server (--pg, default
$SHOPCRM_TEST_PG) for the copy and dropped at the end. Times are measured around
`shopcrm.db.transfer.copy_database` (the database already open, as `migrate-to`
calls it), and with --cli also for the whole command in a fresh process. The
figures are printed, never asserted: see DESIGN.md, "Tests".
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

from shopcrm.db import connection, transfer
from shopcrm.db.session import open_database

BENCH_DB = "shopcrm_bench_transfer"


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


def admin(url: str, *statements: str) -> None:
    import psycopg2

    with closing(psycopg2.connect(url)) as raw:
        raw.autocommit = True
        with raw.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def fresh_pg(admin_url: str) -> str:
    admin(admin_url, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)",
          f"CREATE DATABASE {BENCH_DB} ENCODING 'UTF8'")
    return admin_url.rsplit("/", 1)[0] + "/" + BENCH_DB


def timed_copy(source_url: str, target_url: str) -> tuple[float, float, dict[str, int]]:
    """(wall s, CPU s of this process, rows per table) of copy_database alone."""
    open_database(source_url)
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        counts = transfer.copy_database(connection.db.obj, target_url)
        return time.perf_counter() - wall, time.process_time() - cpu, counts
    finally:
        connection.close()


def timed_cli(source_url: str, target_url: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "shopcrm", "--db", source_url, "migrate-to",
                    target_url], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def report(label: str, wall: float, cpu: float, counts: dict[str, int]) -> None:
    rows = sum(counts.values())
    print(f"{label:<24} {wall:6.2f} s wall, {cpu:6.2f} s CPU in this process, "
          f"{rows:,} rows ({rows / wall:,.0f} rows/s)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=Path("/tmp/b100/shop.db"))
    parser.add_argument("--pg", default=os.environ.get("SHOPCRM_TEST_PG"),
                        help="a PostgreSQL server URL where a database may be created")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--cli", action="store_true", help="also time the whole command")
    args = parser.parse_args()
    if not args.pg:
        parser.error("no PostgreSQL server: give --pg or set SHOPCRM_TEST_PG")

    with tempfile.TemporaryDirectory(prefix="shopcrm-bench-transfer-") as folder:
        source = Path(folder) / "source.db"
        for suffix in ("", "-wal"):
            if Path(str(args.source) + suffix).exists():
                shutil.copyfile(str(args.source) + suffix, str(source) + suffix)
        source_url = connection.sqlite_url(source)
        print(f"Method: transfer.copy_database from a copy of {args.source} "
              f"({source.stat().st_size / 1e6:.0f} MB) to a new PostgreSQL database on "
              f"{connection.redact(args.pg)}, then from there to a new SQLite file (WAL, "
              f"synchronous=full); one transaction each; time.perf_counter and "
              f"time.process_time; Python {sys.version.split()[0]}, {os.cpu_count()} CPUs.")
        counts: dict[str, int] = {}
        try:
            for run in range(1, args.runs + 1):
                pg_url = fresh_pg(args.pg)
                back = Path(folder) / f"back{run}.db"
                wall, cpu, counts = timed_copy(source_url, pg_url)
                report(f"run {run}: SQLite -> PostgreSQL", wall, cpu, counts)
                wall, cpu, back_counts = timed_copy(pg_url, connection.sqlite_url(back))
                report(f"run {run}: PostgreSQL -> SQLite", wall, cpu, back_counts)
                print(f"{'':<24} new SQLite file: {back.stat().st_size / 1e6:.0f} MB, "
                      f"counts {'equal' if back_counts == counts else 'DIFFER'}")
                back.unlink()
                if args.cli:
                    pg_url = fresh_pg(args.pg)
                    print(f"{'':<24} `shopcrm --db ... migrate-to postgresql://...`: "
                          f"{timed_cli(source_url, pg_url):.2f} s, whole command")
                    print(f"{'':<24} `shopcrm --db postgresql://... migrate-to sqlite:///...`: "
                          f"{timed_cli(pg_url, connection.sqlite_url(back)):.2f} s, "
                          f"whole command")
                    back.unlink()
        finally:
            admin(args.pg, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        print("rows per table: " + ", ".join(f"{t}: {n:,}" for t, n in counts.items()))
        print(f"peak RSS of this process: {peak_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
