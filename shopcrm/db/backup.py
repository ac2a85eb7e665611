"""Consistent copies of the shop's SQLite database, made while the app is running.

`backup_to()` copies with SQLite's online backup API into a temporary file beside
the target, checks the copy, and only then renames it into place: a failed or
interrupted backup never leaves a half file under the target name and never
replaces a good older backup. `backup_file()` does the same from a file the app's
database is not bound to. Rotation, automatic backups and restore live in
backup_policy, auto_backup and restore.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import tempfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from shopcrm.db.connection import data_dir, db, is_sqlite
from shopcrm.db.errors import QT_TRANSLATE_NOOP, KnownError
from shopcrm.db.models import Customer, SchemaVersion

PAGES_PER_STEP = 1024  # 4 MB with SQLite's default 4 KB pages: progress without slowing down


class BackupError(KnownError):
    """A backup could not be made, or a file is not a usable backup."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    taken_at: dt.datetime  # the file's modification time, naive UTC like every timestamp
    size: int  # bytes
    customers: int  # not in the trash


def backup_dir() -> Path:
    """The folder where automatic and default backups go."""
    return data_dir() / "backups"


def default_backup_name(now: dt.datetime | None = None) -> str:
    """"shopcrm-2026-11-23-1530.db" for `now` (local time by default)."""
    return f"shopcrm-{(now or dt.datetime.now()):%Y-%m-%d-%H%M}.db"


def backup_to(target: Path | str, progress: Callable[[int, int], None] | None = None) -> Path:
    """Copy the open database to `target` (replaced only by a verified copy); returns it.

    `progress(done_pages, total_pages)` is called after each step of the copy.
    """
    database = db.obj
    if database is None or not is_sqlite(database):
        raise BackupError(QT_TRANSLATE_NOOP(
            "errors", "Backups of a shared PostgreSQL database are made on the server (pg_dump)."))
    source = database.connection()
    if source.in_transaction:  # the copy would hold changes that are not saved yet
        raise RuntimeError("backup_to() called inside a transaction")
    return _copy(source, Path(target), progress)


def backup_file(source: Path | str, target: Path | str,
                progress: Callable[[int, int], None] | None = None) -> Path:
    """Copy the SQLite file `source` to `target` like backup_to(), through a connection
    of its own: for a file the app's database is not bound to (yet), e.g. before an
    upgrade or a restore. Its WAL, if any, is read as well."""
    try:
        with closing(_open_read_only(source)) as conn:
            return _copy(conn, Path(target), progress)
    except sqlite3.DatabaseError as exc:  # cannot read it: not a database, or damaged
        raise _not_a_backup(source) from exc


def _copy(source: sqlite3.Connection, target: Path,
          progress: Callable[[int, int], None] | None) -> Path:
    """The online backup of `source` into a temporary file, verified, renamed to `target`."""
    target = target.absolute()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
    except OSError as exc:
        raise _write_error(target, exc) from exc
    temp = Path(name)
    try:
        with closing(sqlite3.connect(temp)) as copy:
            source.backup(copy, pages=PAGES_PER_STEP, progress=_pages(progress))
            # One self-contained file: no -wal/-shm beside it, header says rollback journal.
            copy.execute("PRAGMA journal_mode=DELETE").fetchall()
        verify(temp)
        if os.name == "posix":
            os.chmod(temp, 0o600)
        os.replace(temp, target)
        _sync_dir(target.parent)
    except OSError as exc:
        _remove_temp(temp)
        raise _write_error(target, exc) from exc
    except BaseException:
        _remove_temp(temp)
        raise
    return target


def verify(path: Path | str) -> None:
    """Raise BackupError unless `path` is an intact ShopCRM database."""
    try:
        with closing(_open_read_only(path)) as conn:
            result = _integrity_check(conn)
            if result != "ok":
                raise BackupError(QT_TRANSLATE_NOOP(
                    "errors", "The backup copy is damaged ({reason}); no file was replaced."),
                    reason=result[:200])
            if not _has_table(conn, SchemaVersion._meta.table_name):
                raise _not_a_backup(path)
    except sqlite3.DatabaseError as exc:
        raise _not_a_backup(path) from exc


def describe(path: Path | str) -> BackupInfo:
    """Date, size and number of customers of a backup file, read without changing it."""
    path = Path(path)
    stat = path.stat()
    try:
        with closing(_open_read_only(path)) as conn:
            table = Customer._meta.table_name
            if not _has_table(conn, table):
                raise _not_a_backup(path)
            customers = conn.execute(
                f'SELECT COUNT(*) FROM "{table}" WHERE deleted_at IS NULL').fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise _not_a_backup(path) from exc
    taken_at = dt.datetime.fromtimestamp(stat.st_mtime, dt.timezone.utc).replace(tzinfo=None)
    return BackupInfo(path=path, taken_at=taken_at, size=stat.st_size, customers=customers)


def _pages(progress: Callable[[int, int], None] | None):
    if progress is None:
        return None
    return lambda status, remaining, total: progress(total - remaining, total)


def _integrity_check(conn: sqlite3.Connection) -> str:
    return "; ".join(str(row[0]) for row in conn.execute("PRAGMA integrity_check"))


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    query = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
    return conn.execute(query, (name,)).fetchone() is not None


def _open_read_only(path: Path | str) -> sqlite3.Connection:
    return sqlite3.connect(Path(path).absolute().as_uri() + "?mode=ro", uri=True)


def _not_a_backup(path: Path | str) -> BackupError:
    return BackupError(QT_TRANSLATE_NOOP("errors", "{path} is not a ShopCRM backup."),
                       path=str(path))


def _write_error(target: Path, exc: OSError) -> BackupError:
    return BackupError(QT_TRANSLATE_NOOP("errors", "Cannot write the backup {path}: {reason}"),
                       path=str(target), reason=exc.strerror or str(exc))


def _remove_temp(temp: Path) -> None:
    for leftover in (temp, *(Path(f"{temp}{end}") for end in ("-journal", "-wal", "-shm"))):
        try:
            leftover.unlink(missing_ok=True)
        except OSError:  # never hide the error that made the backup fail
            pass


def _sync_dir(folder: Path) -> None:
    """Make the rename itself survive a power cut (POSIX; Windows has no directory fsync)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
