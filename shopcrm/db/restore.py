"""Putting a backup back in place of the shop's SQLite database, without ever losing either.

`restore(backup_file, target_db_path)`:
1. takes the writer lock of the database file (this process's own, when it has the file
   open; else a new one: refused while another ShopCRM has the file open);
2. copies the backup beside the database (SQLite's backup API: a WAL beside the backup
   is read too) and checks that copy: intact, a ShopCRM database, not of a newer
   ShopCRM. Anything wrong stops here, with the database untouched;
3. backs up the current database ("before-restore"), so the restore itself can be
   undone; a database too damaged to back up is copied as it is, beside itself;
4. closes this thread's connection to the file, moves its -wal/-shm aside (SQLite would
   otherwise replay the old file's log into the restored one), renames the copy over
   the database (os.replace: one step, even after a power cut) and reopens it, upgraded
   when the backup is of an older schema.

The caller makes sure no other thread of this process uses the database meanwhile (the
window runs it on the GUI thread while no background job runs). PostgreSQL databases
are restored on the server (pg_restore); this module is for SQLite files.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path
from urllib.parse import unquote, urlparse

import peewee

from shopcrm.db import auto_backup, backup, connection, migrations, session
from shopcrm.db.errors import QT_TRANSLATE_NOOP, DatabaseInUseError, KnownError
from shopcrm.db.models import AuditLog, SchemaVersion, utcnow

log = logging.getLogger(__name__)

SIDE_FILES = ("-wal", "-shm", "-journal")


class RestoreError(KnownError):
    """A backup cannot be restored; the database was left as it was."""


def restore(backup_file: Path | str, target_db_path: Path | str,
            backup_folder: Path | str | None = None, now: dt.datetime | None = None,
            user: str | None = None) -> Path | None:
    """Replace the database at `target_db_path` by `backup_file` (see the module).

    Returns the copy of the database as it was before (in `backup_folder`, default
    backup_dir()), or None when there was no database yet. Raises RestoreError (or
    NewerSchemaError) and changes nothing when the backup is not a usable one.
    """
    source, target = Path(backup_file).absolute(), Path(target_db_path).absolute()
    if not source.is_file():
        raise RestoreError(QT_TRANSLATE_NOOP("errors", "There is no file {path}."),
                           path=str(source))
    if target.exists() and os.path.samefile(source, target):
        raise RestoreError(QT_TRANSLATE_NOOP(
            "errors", "{path} is the database itself, not a backup of it."), path=str(source))
    folder = Path(backup_folder) if backup_folder else backup.backup_dir()
    now = now or dt.datetime.now()
    lock = _lock(target)
    staged = target.with_name(f".{target.name}.restoring")
    try:
        _stage(source, staged, user)
        before = _keep_current(target, folder, now)
        database = _bound_to(target)
        if database is not None:
            database.close()  # this thread's connection; the others are the caller's
        try:
            _swap(staged, target)
        finally:
            if database is not None:
                _reopen(database, target, folder)
    finally:
        backup._remove_temp(staged)
        if lock is not None:
            lock.release(clean=True)
    log.info("restored %s into %s (before: %s)", source, target, before)
    return before


def database_file(url: str) -> Path:
    """The SQLite file behind `url`, the only kind of database a backup file restores."""
    path = connection.sqlite_path(url)
    if path is None:
        raise RestoreError(QT_TRANSLATE_NOOP(
            "errors", "Only a database file (SQLite) is restored from a backup file; a shared "
            "PostgreSQL database is restored on its server (pg_restore)."))
    return path


def _lock(target: Path) -> connection.WriterLock | None:
    """This process's lock when it holds the file's; else a new one (released at the end)."""
    held = connection.held_writer()
    if held is not None and held.database == target:
        return None
    lock = connection.WriterLock(target)
    try:
        lock.acquire()
    except DatabaseInUseError:
        raise RestoreError(QT_TRANSLATE_NOOP(
            "errors", "The database {path} is open in another ShopCRM window. Close it there, "
            "then restore the backup; nothing was changed."), path=str(target)) from None
    return lock


def _stage(source: Path, staged: Path, user: str | None) -> None:
    """A checked copy of the backup beside the database, with the restore in its audit log."""
    backup._remove_temp(staged)
    try:
        with closing(sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True)) as src, \
                closing(sqlite3.connect(staged)) as copy:
            src.backup(copy, pages=backup.PAGES_PER_STEP)
            copy.execute("PRAGMA journal_mode=DELETE").fetchall()
            found = _check(copy, source)
            migrations.refuse_newer(found)
            with copy:
                table = AuditLog._meta.table_name
                copy.execute(f'INSERT INTO "{table}" (at, user, action, details)'
                             " VALUES (?, ?, ?, ?)",
                             (str(utcnow()), user, "restore_backup", source.name))
        if os.name == "posix":
            os.chmod(staged, 0o600)
    except sqlite3.DatabaseError as exc:  # not a database at all, or unreadable
        raise _not_a_backup(source) from exc
    except OSError as exc:
        raise RestoreError(QT_TRANSLATE_NOOP(
            "errors", "Cannot restore the backup: {reason}. Nothing was changed."),
            reason=exc.strerror or str(exc)) from exc


def _check(conn: sqlite3.Connection, source: Path) -> int:
    """The schema version of an intact ShopCRM database, else RestoreError."""
    try:
        result = "; ".join(str(row[0]) for row in conn.execute("PRAGMA integrity_check"))
    except sqlite3.DatabaseError as exc:  # "database disk image is malformed"
        result = str(exc)
    if result != "ok":
        raise RestoreError(QT_TRANSLATE_NOOP(
            "errors", "The backup {path} is damaged ({reason}) and cannot be restored. "
            "Nothing was changed; choose another backup."), path=str(source), reason=result[:200])
    table = SchemaVersion._meta.table_name
    try:
        found = conn.execute(f'SELECT MAX(version) FROM "{table}"').fetchone()[0]
    except sqlite3.OperationalError:  # no such table
        found = None
    if found is None:
        raise _not_a_backup(source)
    return found


def _not_a_backup(source: Path) -> RestoreError:
    return RestoreError(QT_TRANSLATE_NOOP(
        "errors", "{path} is not a ShopCRM backup. Nothing was changed."), path=str(source))


def _keep_current(target: Path, folder: Path, now: dt.datetime) -> Path | None:
    """A "before-restore" backup; for a file too damaged for that, a plain copy beside it."""
    try:
        return auto_backup.take_file_backup(target, folder, "before-restore", now)
    except backup.BackupError as exc:
        log.warning("cannot back up %s before restoring (%s): keeping a plain copy", target, exc)
    keep = target.with_name(f"{target.name}.before-restore-{now:%Y%m%d-%H%M%S}")
    try:
        for end in ("", "-wal"):
            if Path(f"{target}{end}").exists():
                shutil.copy2(f"{target}{end}", f"{keep}{end}")
    except OSError as exc:
        raise RestoreError(QT_TRANSLATE_NOOP(
            "errors", "Cannot keep a copy of the current database ({reason}), so nothing was "
            "restored."), reason=exc.strerror or str(exc)) from exc
    return keep


def _bound_to(target: Path) -> peewee.SqliteDatabase | None:
    """The app's database object when it is this file (opened for writing or read-only)."""
    database = connection.db.obj
    if not isinstance(database, peewee.SqliteDatabase):
        return None
    name = str(database.database)
    path = Path(unquote(urlparse(name).path)) if name.startswith("file:") else Path(name)
    try:
        same = path.exists() and target.exists() and os.path.samefile(path, target)
    except OSError:
        same = False
    return database if same or path.absolute() == target else None


def _swap(staged: Path, target: Path) -> None:
    """The old -wal/-shm moved aside, the copy renamed over the database; undone on failure."""
    aside = []
    try:
        for end in SIDE_FILES:
            side = Path(f"{target}{end}")
            if side.exists():
                os.replace(side, f"{side}.old")
                aside.append(side)
        os.replace(staged, target)
    except OSError as exc:  # e.g. Windows: the file is open in another program
        for side in aside:
            os.replace(f"{side}.old", side)
        raise RestoreError(QT_TRANSLATE_NOOP(
            "errors", "Cannot restore the backup: {reason}. Nothing was changed."),
            reason=exc.strerror or str(exc)) from exc
    backup._sync_dir(target.parent)
    for side in aside:
        try:
            Path(f"{side}.old").unlink()
        except OSError as exc:
            log.warning("cannot remove %s.old: %s", side, exc)


def _reopen(database: peewee.SqliteDatabase, target: Path, folder: Path) -> None:
    """Connect again (same pragmas) and bring an older backup's schema up to date."""
    database.connect(reuse_if_open=True)
    if not connection.is_read_only(database):
        migrations.migrate(database, before_upgrade=session.before_upgrade(target, folder))
