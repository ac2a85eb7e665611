"""Opening a shop's database: the startup checks, connect, then migrate. One call for the
GUI and the CLI.

Before anything is written to an SQLite file:
1. a database of a newer ShopCRM is refused (NewerSchemaError);
2. one ShopCRM process at a time writes it: `shop.db.lock` (connection.WriterLock), else
   DatabaseInUseError;
3. SQLite's `PRAGMA quick_check`, when due (see `quick_check_due`), else
   DamagedDatabaseError.
Both errors leave the file untouched, and `open_database(url, read_only=True)` then
opens it without writing anything (no WAL switch, no migration) to show and export it.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import peewee

from shopcrm.db import auto_backup, connection, migrations
from shopcrm.db.backup import backup_dir
from shopcrm.db.errors import QT_TRANSLATE_NOOP, DamagedDatabaseError, DatabaseOpenError
from shopcrm.db.models import SchemaVersion

log = logging.getLogger(__name__)

# quick_check reads every page of the file: measured on a 100,000-customer demo database
# (143 MB, with two years of history) 0.31 s when the file is in the OS cache and 0.9-1.0 s
# when it is not (the first start after switching the computer on), on an SSD; an old
# hard disk is slower. Too slow for every start of a big shop, so the check runs
# - after a session that did not end cleanly (crash, power cut, killed): the marker
#   `shop.db.open` is still there. That is when damage is likeliest, and finding it
#   before writing more keeps it from spreading;
# - on every start while the file is small: under 32 MB (some 20,000 customers with
#   their history) it costs under 0.1 s warm, about 0.2 s cold.
# Damage that appears while nothing crashed is found by the backups, which run a full
# integrity_check on every copy they make (db.backup.verify).
QUICK_CHECK_ALWAYS_BELOW = 32 * 1024 * 1024
SQLITE_HEADER = b"SQLite format 3\x00"


def open_database(url: str | None = None, read_only: bool = False,
                  backup_folder: Path | None = None) -> peewee.Database:
    """Connect to `url` (or $SHOPCRM_DB, or the default file) with the schema up to date.

    `read_only` (SQLite files only) opens an existing file without any check or write,
    after a DamagedDatabaseError or DatabaseInUseError. The database opened before, if
    any, is closed first: the app has one. Before an upgrade an SQLite file is backed up
    into `backup_folder` (default: backup_dir()), which the damage message names too.
    """
    url = connection.resolve_url(url)
    connection.close()
    path = connection.sqlite_path(url)
    _refuse_newer_file(path)
    if read_only:
        return _open_read_only(url, path)
    writer = connection.WriterLock(path) if path is not None else None
    try:
        if writer is not None:
            crashed = writer.acquire()
            if quick_check_due(path, crashed):
                check_file(path, backup_folder)
        database = connection.connect(url)
        if writer is not None:
            writer.mark_open()
            connection.hold_writer(writer)  # connection.close() lets go of it from now on
            writer = None
        migrations.migrate(database, before_upgrade=before_upgrade(path, backup_folder))
    except BaseException:
        connection.close()
        if writer is not None:  # failed before connecting: the marker stays as it was
            writer.release(clean=False)
        raise
    return database


def quick_check_due(path: Path, crashed: bool) -> bool:
    """Whether to run quick_check on opening `path` (see QUICK_CHECK_ALWAYS_BELOW)."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return False
    return size > 0 and (crashed or size < QUICK_CHECK_ALWAYS_BELOW)


def before_upgrade(path: Path | None, folder: Path | None = None):
    """The migration runner's hook: a verified "before-upgrade" backup of the SQLite file
    `path` (read through a connection of its own), or None for PostgreSQL."""
    if path is None:
        return None

    def back_up(found: int, current: int) -> None:
        log.info("backing up %s before upgrading it from schema %s to %s", path, found, current)
        auto_backup.take_file_backup(path, folder or backup_dir(), "before-upgrade")

    return back_up


def check_file(path: Path, backup_folder: Path | None = None) -> None:
    """Run `PRAGMA quick_check` through a read-only connection; DamagedDatabaseError unless ok."""
    with open(path, "rb") as fh:
        if fh.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            return  # not a database at all: connect() says so
    started = time.perf_counter()
    try:
        with closing(sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)) as raw:
            result = "; ".join(str(row[0]) for row in raw.execute("PRAGMA quick_check"))
    except sqlite3.OperationalError:  # cannot open or read it at all: connect() says why
        return
    except sqlite3.DatabaseError as exc:  # "database disk image is malformed"
        result = str(exc)
    result = result.replace("*** in database main ***", "").strip().replace("\n", "; ")
    log.info("quick_check of %s: %s (%.2f s)", path, result[:200],
             time.perf_counter() - started)
    if result != "ok":
        raise _damaged(path, result, backup_folder or backup_dir())


def _damaged(path: Path, result: str, folder: Path) -> DamagedDatabaseError:
    newest = newest_backup(folder)
    params = {"path": str(path), "reason": result[:200]}
    if newest is None:
        return DamagedDatabaseError(QT_TRANSLATE_NOOP(
            "errors", "The database {path} is damaged ({reason}). ShopCRM has only read it, "
            "so nothing got worse: open it read-only to see and export your customers. No "
            "backup was found in {folder}."), folder=str(folder), **params)
    return DamagedDatabaseError(QT_TRANSLATE_NOOP(
        "errors", "The database {path} is damaged ({reason}). ShopCRM has only read it, so "
        "nothing got worse: open it read-only to see and export your customers, and restore "
        "the newest backup, {newest}."), backup=newest, newest=str(newest), **params)


def newest_backup(folder: Path | None = None) -> Path | None:
    """The most recent file in the backups folder (default: backup_dir()), or None."""
    try:
        files = [(p.stat().st_mtime, p) for p in (folder or backup_dir()).glob("*.db")
                 if p.is_file()]
    except OSError:
        return None
    return max(files)[1] if files else None


def _open_read_only(url: str, path: Path | None) -> peewee.Database:
    database = connection.connect(url, read_only=True)
    try:
        found = migrations.schema_version(database)
    except peewee.DatabaseError as exc:
        connection.close()
        raise DatabaseOpenError(
            QT_TRANSLATE_NOOP("errors", "Cannot open the database {url}: {reason}"),
            url=connection.redact(url), reason=str(exc).strip()) from exc
    if found != migrations.CURRENT_VERSION:
        connection.close()
        if found is None:
            raise DatabaseOpenError(
                QT_TRANSLATE_NOOP("errors", "{path} is not a ShopCRM database."), path=str(path))
        raise DatabaseOpenError(QT_TRANSLATE_NOOP(
            "errors", "This database must be upgraded before ShopCRM can show it, and a "
            "read-only open cannot do that: open it normally."))
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
