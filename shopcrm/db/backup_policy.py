"""Which backups to keep: Anki's rotation, for a shop's database.

Every backup of today and yesterday is kept; of the older ones, the newest backup of
each of the 12 most recent days that have one, then of each of the 10 weeks (Monday to
Sunday) before those, then of each of the 9 months before those. So a year-old
mistake can still be undone, and a shop that backs up every half hour keeps some
forty files, not thousands.

`plan_rotation()` decides, as a pure function; `rotate()` deletes, and only once the
newest backup was verified: a backup that failed never costs an older good one.
Only files named like ShopCRM's own backups (`shopcrm-YYYY-MM-DD-HHMM[SS][-reason].db`)
are ever considered: the folder is the user's choice, and may hold other files.

Times are the computer's local wall-clock times, read from the file names (written by
auto_backup.backup_name): unlike a modification time they survive copying the folder
to another computer, and days begin at the shop's midnight.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable
from pathlib import Path

from shopcrm.db import backup
from shopcrm.db.backup import BackupInfo

log = logging.getLogger(__name__)

KEEP_DAILY = 12
KEEP_WEEKLY = 10
KEEP_MONTHLY = 9

NAME = re.compile(r"^shopcrm-(\d{4})-(\d{2})-(\d{2})-(\d{2})(\d{2})(\d{2})?(?:-[a-z0-9-]+)?\.db$")
# backup_to()'s temporary file, left behind only when the process was killed mid-copy.
TEMP_NAME = re.compile(r"^\.shopcrm-.*\.db\.[^.]+\.tmp(-journal|-wal|-shm)?$")
STALE_TEMP = dt.timedelta(hours=1)

Backup = BackupInfo | tuple[Path, dt.datetime]


def taken_at_from_name(name: str) -> dt.datetime | None:
    """The local time in a backup's file name, or None for a file not named by ShopCRM."""
    match = NAME.match(name)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(part or 0) for part in match.groups())
    try:
        return dt.datetime(year, month, day, hour, minute, second)
    except ValueError:  # shopcrm-2026-13-45-9999.db
        return None


def local_time(moment: dt.datetime) -> dt.datetime:
    """A naive local time; an aware datetime is converted to the computer's zone."""
    return moment.astimezone().replace(tzinfo=None) if moment.tzinfo else moment


def _when(item: Backup) -> tuple[Path, dt.datetime]:
    if isinstance(item, BackupInfo):  # taken_at is naive UTC there, like every timestamp
        named = taken_at_from_name(item.path.name)
        return item.path, named or local_time(item.taken_at.replace(tzinfo=dt.timezone.utc))
    path, moment = item
    return Path(path), local_time(moment)


def _week(day: dt.date) -> int:
    """Serial number of the week (Monday to Sunday) holding `day`."""
    return (day.toordinal() - 1) // 7  # 0001-01-01 was a Monday


def _month(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def plan_rotation(backups: Iterable[Backup], now: dt.datetime,
                  daily: int = KEEP_DAILY, weekly: int = KEEP_WEEKLY,
                  monthly: int = KEEP_MONTHLY) -> list[Path]:
    """The backups to delete, newest first. Pure: reads no file.

    `backups` are BackupInfo (its UTC taken_at converted to local time, unless the
    file name tells the time) or (path, taken_at) pairs of local times; `now` is a
    local time too (aware datetimes are converted). From the newest backup down:
    today's and yesterday's are kept; then a backup is kept when it is the first of
    an earlier day (while daily ones remain), else of an earlier week (weekly), else
    of an earlier month (monthly) than the last one kept; the rest go. The newest
    backup is therefore always kept, and running it again on what is left deletes
    nothing.
    """
    yesterday = local_time(now).date() - dt.timedelta(days=1)
    remaining = {"daily": daily, "weekly": weekly, "monthly": monthly}
    last_day = last_week = last_month = None  # of the last kept backup
    doomed: list[Path] = []
    ordered = sorted((_when(item) for item in backups), key=lambda pair: pair[1], reverse=True)
    for path, moment in ordered:
        day = moment.date()
        if day >= yesterday:
            stage = "recent"
        elif remaining["daily"] > 0:
            stage = "daily" if last_day is None or day < last_day else None
        elif remaining["weekly"] > 0:
            stage = "weekly" if last_week is None or _week(day) < last_week else None
        elif remaining["monthly"] > 0:
            stage = "monthly" if last_month is None or _month(day) < last_month else None
        else:
            stage = None
        if stage is None:
            doomed.append(path)
            continue
        if stage != "recent":
            remaining[stage] -= 1
        last_day, last_week, last_month = day, _week(day), _month(day)
    return doomed


def find_backups(folder: Path | str) -> list[tuple[Path, dt.datetime]]:
    """ShopCRM's backups in `folder` with their local times, newest first ([] if none)."""
    found = []
    try:
        entries = list(Path(folder).iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return []
    for path in entries:
        moment = taken_at_from_name(path.name)
        if moment is not None and path.is_file():
            found.append((path, moment))
    return sorted(found, key=lambda pair: pair[1], reverse=True)


def rotate(folder: Path | str, now: dt.datetime | None = None,
           verified: Path | None = None) -> list[Path]:
    """Delete the backups in `folder` that plan_rotation() lets go; returns them.

    Nothing is deleted unless the newest backup is intact: backup.verify() checks it,
    except when it is `verified` (backup_to() has just checked that very copy), and
    raises BackupError otherwise. A file that cannot be deleted is logged and left.
    """
    backups = find_backups(folder)
    if not backups:
        return []
    newest = backups[0][0]
    if verified is None or Path(verified).absolute() != newest.absolute():
        backup.verify(newest)
    _remove_stale_temps(Path(folder))
    deleted = []
    for path in plan_rotation(backups, now or dt.datetime.now()):
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:  # in use (Windows), read-only: the next rotation tries again
            log.warning("cannot delete the old backup %s: %s", path, exc)
            continue
        deleted.append(path)
    if deleted:
        log.info("rotated out %d old backup(s) in %s", len(deleted), folder)
    return deleted


def _remove_stale_temps(folder: Path) -> list[Path]:
    """Half copies of backups interrupted an hour ago or more (a backup in progress is
    younger): they are never restored, and only take room."""
    removed = []
    limit = dt.datetime.now().timestamp() - STALE_TEMP.total_seconds()
    for path in folder.iterdir():
        try:
            if TEMP_NAME.match(path.name) and path.stat().st_mtime < limit:
                path.unlink()
                removed.append(path)
        except OSError:
            continue
    return removed
