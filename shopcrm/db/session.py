"""Opening a shop's database: connect, then migrate. One call for the GUI and the CLI."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import peewee

from shopcrm.db import connection, migrations


def open_database(url: str | None = None) -> peewee.Database:
    """Connect to `url` (or $SHOPCRM_DB, or the default file) with the schema up to date."""
    url = connection.resolve_url(url)
    _refuse_newer_file(connection.sqlite_path(url))
    database = connection.connect(url)
    try:
        migrations.migrate(database)
    except Exception:
        connection.close()
        raise
    return database


def _refuse_newer_file(path: Path | None) -> None:
    """Read the version without writing: even switching to WAL would change a newer file."""
    if path is None or not path.is_file() or path.stat().st_size == 0:
        return
    try:
        with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as raw:
            found = raw.execute("SELECT MAX(version) FROM schema_version").fetchone()[0]
    except sqlite3.DatabaseError:  # no version table, or not a database: connect() tells
        return
    migrations.refuse_newer(found)
