"""Automatic backups: before risky work, at exit, and every half hour while data changes.

`take_backup(folder, reason)` writes a verified copy named
`shopcrm-YYYY-MM-DD-HHMMSS-<reason>.db` (local time) into `folder`, then rotates the
folder (backup_policy). The callers decide when: the migration runner
("before-upgrade", from the file itself: the app's database is not open yet), the
importer ("before-import"), emptying the trash ("before-purge"), a restore
("before-restore"), the window at exit ("exit") and on its timer ("auto", when
`backup_due()`).

Backups are made of SQLite files only. On a shared PostgreSQL database every function
here does nothing and returns None: the server's own backups (pg_dump, or the hosting
provider's) do that job, for every counter at once.

Whether data changed since the last backup is told by `change_stamp()`: SQLite's
`PRAGMA data_version` (changes committed by any *other* connection, other threads
and processes included) together with the connection's `total_changes` (rows it
changed itself), both of the calling thread's connection. The pair is cheap (no
table is read) and sees every table, where a stamp of a few tables would miss a new
purchase or an edited setting. It is compared for equality only, and a reconnect
resets it: that costs at worst one backup too many, never one too few.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from pathlib import Path

from shopcrm.db import backup, backup_policy
from shopcrm.db.connection import db, is_sqlite

log = logging.getLogger(__name__)

EVERY = dt.timedelta(minutes=30)


def backup_name(now: dt.datetime, reason: str) -> str:
    """"shopcrm-2026-11-23-153059-before-import.db" (the reason reduced to a-z, 0-9, -)."""
    slug = re.sub(r"[^a-z0-9]+", "-", reason.lower()).strip("-") or "backup"
    return f"shopcrm-{now:%Y-%m-%d-%H%M%S}-{slug}.db"


def take_backup(folder: Path | str, reason: str, now: dt.datetime | None = None,
                progress=None) -> Path | None:
    """Back up the app's database into `folder` and rotate it; the new file, or None.

    None on PostgreSQL (see the module). Raises BackupError when the copy cannot be
    made or fails verification; the older backups are then all kept.
    """
    if not is_sqlite():
        return None
    now = now or dt.datetime.now()
    target = backup.backup_to(Path(folder) / backup_name(now, reason), progress)
    _rotate(folder, now, target)
    return target


def take_file_backup(source: Path | str, folder: Path | str, reason: str,
                     now: dt.datetime | None = None) -> Path | None:
    """Like take_backup(), from the SQLite file `source` through a connection of its own.

    For moments the app's database is not bound to that file (before a migration, a
    restore). None when `source` does not exist or is empty: nothing to keep.
    """
    source = Path(source)
    if not source.is_file() or source.stat().st_size == 0:
        return None
    now = now or dt.datetime.now()
    target = backup.backup_file(source, Path(folder) / backup_name(now, reason))
    _rotate(folder, now, target)
    return target


def _rotate(folder: Path | str, now: dt.datetime, verified: Path) -> None:
    """Rotation never makes a good backup fail: its problems are logged."""
    try:
        backup_policy.rotate(folder, now, verified=verified)
    except backup.BackupError as exc:  # a newer file in the folder is damaged: keep all
        log.warning("old backups kept: %s", exc)


def backup_due(last_backup_at: dt.datetime | None, data_changed: bool, now: dt.datetime,
               every: dt.timedelta = EVERY) -> bool:
    """Whether the periodic backup should run: data changed, and `every` has passed since
    the last backup (or there is none, or it is dated in the future: the clock was set
    back). Pure: the caller reads the times and the stamp."""
    if not data_changed:
        return False
    return last_backup_at is None or last_backup_at > now or now - last_backup_at >= every


def change_stamp() -> tuple[int, int] | None:
    """A value that changes whenever data is committed (see the module); None on PostgreSQL.

    Call it from the thread whose changes matter most (the GUI thread): it reads that
    thread's connection.
    """
    if not is_sqlite():
        return None
    connection = db.obj.connection()
    version = connection.execute("PRAGMA data_version").fetchone()[0]
    return version, connection.total_changes


def last_backup_at(folder: Path | str) -> dt.datetime | None:
    """The local time of the newest ShopCRM backup in `folder`, or None."""
    found = backup_policy.find_backups(folder)
    return found[0][1] if found else None
