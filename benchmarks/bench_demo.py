"""How long demo data takes to generate, and how much memory and disk it needs.

    /work/venv/bin/python benchmarks/bench_demo.py --customers 100000 [--db URL]

Without --db a fresh SQLite file in a temporary folder is used (and removed after).
The figures are printed, never asserted: see DESIGN.md, "Tests".
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import tempfile
import time
from pathlib import Path

from shopcrm.core import demo
from shopcrm.db import connection
from shopcrm.db.session import open_database


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


def file_size_mb(path: Path | None) -> str:
    if path is None:
        return "n/a (not an SQLite file)"
    sizes = {suffix: Path(str(path) + suffix).stat().st_size
             for suffix in ("", "-wal") if Path(str(path) + suffix).exists()}
    return " + ".join(f"{size / 1e6:.1f} MB ({'file' if not s else s[1:]})"
                      for s, size in sizes.items())


def run(customers: int, url: str, seed: int, today: dt.date, fresh: bool) -> None:
    sqlite = connection.sqlite_path(url) is not None
    print(f"Method: shopcrm.core.demo.generate({customers}, seed={seed}, today={today}) into "
          f"{'a fresh SQLite file' if fresh else 'the database'} {connection.redact(url)} "
          f"opened by open_database(){' (WAL, synchronous=full)' if sqlite else ''}; one "
          f"transaction; wall time by time.perf_counter, peak RSS by getrusage; "
          f"Python {sys.version.split()[0]}.")
    open_database(url)
    rss_before = peak_rss_mb()
    start = time.perf_counter()
    cpu_start = time.process_time()
    counts = demo.generate(customers, seed=seed, today=today)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    connection.close()  # the last connection checkpoints the WAL into the file
    total = sum(counts.values())
    print(f"wall time     {wall:8.2f} s  (CPU {cpu:.2f} s; {customers / wall:,.0f} customers/s, "
          f"{total / wall:,.0f} rows/s)")
    print(f"peak RSS      {peak_rss_mb():8.1f} MB (before generate: {rss_before:.1f} MB)")
    for table, count in counts.items():
        print(f"  {table:<14}{count:>10,}")
    print(f"  {'total rows':<14}{total:>10,}")
    print(f"file size     {file_size_mb(connection.sqlite_path(url))}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--db", help="database URL (default: a new SQLite file in a temp dir)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date.today(),
                        help="the day the history ends, YYYY-MM-DD (default: today)")
    args = parser.parse_args(argv)
    if args.db:
        run(args.customers, args.db, args.seed, args.today, fresh=False)
        return
    with tempfile.TemporaryDirectory(prefix="shopcrm-bench-") as folder:
        url = connection.sqlite_url(Path(folder) / "demo.db")
        run(args.customers, url, args.seed, args.today, fresh=True)


if __name__ == "__main__":
    main()
