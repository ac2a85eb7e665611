"""Helpers shared by test modules (importable: pyproject puts tests/ on the path)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from shopcrm.core import customers
from shopcrm.db import connection
from shopcrm.db.session import open_database


def damage(path: Path) -> None:
    """Wreck the first page of an index, as a failing disk would: quick_check fails,
    the customer rows still read."""
    with closing(sqlite3.connect(path)) as raw:
        root = raw.execute("SELECT rootpage FROM sqlite_master WHERE name = 'customer_email'"
                           ).fetchone()[0]
        size = raw.execute("PRAGMA page_size").fetchone()[0]
    with open(path, "r+b") as fh:
        fh.seek((root - 1) * size)
        fh.write(bytes(8))


def make_closed_shop(path: Path, count: int) -> Path:
    """A closed SQLite shop file at `path` with `count` customers."""
    open_database(connection.sqlite_url(path))
    with connection.db.atomic():
        for number in range(count):
            customers.create({"name": f"Khách {number}", "phone": f"0912{number:06d}"})
    connection.close()
    return path
