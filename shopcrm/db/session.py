"""Opening a shop's database: connect, then migrate. One call for the GUI and the CLI."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import peewee

from shopcrm.db import connection, migrations
from shopcrm.db.models import SchemaVersion


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


@dataclass(frozen=True)
class Probe:
    """What a database address leads to (Settings > Database > Test connection)."""

    server: str
    schema_version: int | None
    customers: int


def probe(url: str) -> Probe:
    """Connect to `url` apart from the app's database, look, and disconnect. Writes nothing."""
    database = connection.open_url(url)
    try:
        if isinstance(database, peewee.SqliteDatabase):
            server = f"SQLite {sqlite3.sqlite_version}"
        else:
            server = database.execute_sql("SHOW server_version").fetchone()[0]
            server = f"PostgreSQL {server}"
        # Plain SQL: binding the models to this database would move them for every thread.
        if not database.table_exists(SchemaVersion._meta.table_name):
            return Probe(server, None, 0)
        version = database.execute_sql("SELECT MAX(version) FROM schema_version").fetchone()[0]
        count = database.execute_sql(
            "SELECT COUNT(*) FROM customer WHERE deleted_at IS NULL").fetchone()[0]
        return Probe(server, version, count)
    finally:
        database.close()


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
