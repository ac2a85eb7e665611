"""How fast the main window paints its first screen on a big database, and at what memory.

    python benchmarks/bench_window.py --db sqlite:///path/shop.db
    python benchmarks/bench_window.py --customers 100000     # builds a demo database first

Each measurement runs in a fresh process (`--child`), so start-up and memory are
those a shop owner's double-click gets: from before `import PySide6` to the
first paint of the customer list, offscreen. Figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

START = time.perf_counter()


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


def child(url: str) -> None:
    """Open the window as `shopcrm` does and report when the list has painted."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEvent, QObject

    from shopcrm.db import connection
    from shopcrm.db.session import open_database
    from shopcrm.ui.app import make_application
    from shopcrm.ui.main_window import MainWindow

    app = make_application("vi")
    opened = time.perf_counter()
    open_database(url)
    window = MainWindow(url)
    built = time.perf_counter()
    painted: list[float] = []

    class PaintWatcher(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint and not painted:
                painted.append(time.perf_counter())
            return False

    watcher = PaintWatcher()
    window.list.view.viewport().installEventFilter(watcher)
    window.show()
    while not painted:
        app.processEvents()
    # Scroll to the end and back, as a user would, to page rows in.
    window.list.view.scrollToBottom()
    app.processEvents()
    window.list.view.scrollToTop()
    app.processEvents()
    print(f"rows listed        {window.list.model.rowCount():,}")
    print(f"Qt + app ready     {opened - START:6.2f} s")
    print(f"database + window  {built - opened:6.2f} s")
    print(f"first list paint   {painted[0] - START:6.2f} s after process start")
    print(f"peak RSS           {peak_rss_mb():6.1f} MB (after scrolling to the end and back)")
    window.close()
    connection.close()  # a clean shutdown: no quick_check at the next start


def build_demo(customers: int, folder: Path) -> str:
    from shopcrm.core import demo
    from shopcrm.db import connection
    from shopcrm.db.session import open_database

    url = connection.sqlite_url(folder / "bench.db")
    started = time.perf_counter()
    open_database(url)
    demo.generate(customers, seed=1)
    connection.close()
    print(f"demo database of {customers:,} customers built in "
          f"{time.perf_counter() - started:.1f} s")
    return url


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="an existing database URL")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.db)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or build_demo(args.customers, Path(tmp))
        print("Method: a fresh `python bench_window.py --child` process per run: QApplication "
              "(offscreen), open_database, MainWindow, until the list viewport's first Paint "
              "event; peak RSS by getrusage.")
        for run in range(1, args.runs + 1):
            print(f"-- run {run}")
            subprocess.run([sys.executable, __file__, "--child", "--db", url], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
