"""The backup rotation: Anki's policy, as a pure function, and deleting only after a check."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import time
from contextlib import closing
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopcrm.db import backup, backup_policy
from shopcrm.db.backup import BackupInfo
from shopcrm.db.backup_policy import plan_rotation

NOW = dt.datetime(2026, 11, 23, 15, 30)  # a Monday


def at(*args) -> dt.datetime:
    return dt.datetime(*args)


def named(moment: dt.datetime, reason: str = "auto") -> Path:
    return Path(f"shopcrm-{moment:%Y-%m-%d-%H%M%S}-{reason}.db")


def plan(moments: list[dt.datetime], now: dt.datetime = NOW, **limits) -> list[dt.datetime]:
    """The moments whose backups go, newest first."""
    doomed = plan_rotation([(named(m), m) for m in moments], now, **limits)
    return [backup_policy.taken_at_from_name(path.name) for path in doomed]


# -- the policy ----------------------------------------------------------------------------

def test_anki_example_with_small_limits():
    """Anki's own test case (rslib/src/collection/backup.rs), with 3 daily, 2 weekly, 1 monthly."""
    today = at(2022, 2, 22)
    backups = {
        at(2022, 2, 22): False, at(2022, 2, 22, 0, 0, 1): False, at(2022, 2, 21): False,
        # daily
        at(2022, 2, 20, 6): True, at(2022, 2, 20, 18): False, at(2022, 2, 10): False,
        at(2022, 2, 9): False,
        # weekly
        at(2022, 2, 7): True,  # a Monday: that week already has its backup (the 9th)
        at(2022, 2, 6, 1): True, at(2022, 2, 6, 2): False, at(2022, 1, 6): False,
        # monthly
        at(2022, 1, 5): True, at(2021, 12, 24): False, at(2021, 12, 1): True,
        at(2021, 11, 1): True,
    }
    expected = sorted((m for m, gone in backups.items() if gone), reverse=True)
    assert plan(list(backups), today, daily=3, weekly=2, monthly=1) == expected


def test_a_year_of_daily_backups_keeps_12_days_10_weeks_9_months():
    backups = [NOW - dt.timedelta(days=days) for days in range(0, 400)]
    doomed = set(plan(backups))
    kept = sorted((m for m in backups if m not in doomed), reverse=True)
    assert kept[:2] == [NOW, NOW - dt.timedelta(days=1)]
    assert kept[2:14] == [NOW - dt.timedelta(days=d) for d in range(2, 14)]
    weekly = kept[14:24]
    assert all(m.weekday() == 6 for m in weekly)  # the newest of each week: its Sunday
    assert len({backup_policy._week(m.date()) for m in weekly}) == 10
    monthly = kept[24:]
    assert len(monthly) == 9
    assert all((m + dt.timedelta(days=1)).month != m.month for m in monthly)  # last days
    assert len(kept) == 2 + 12 + 10 + 9


def test_every_backup_of_today_and_yesterday_is_kept():
    moments = [NOW - dt.timedelta(minutes=30 * n) for n in range(80)]  # every half hour
    doomed = plan(moments)
    assert all(m.date() < (NOW - dt.timedelta(days=1)).date() for m in doomed)
    assert all(m not in doomed for m in moments if m.date() >= dt.date(2026, 11, 22))


def test_the_newest_of_each_older_day_is_kept():
    moments = [at(2026, 11, 15, hour) for hour in (8, 12, 17)]
    assert plan(moments) == [at(2026, 11, 15, 12), at(2026, 11, 15, 8)]


def test_days_begin_at_local_midnight():
    """A backup at 00:30 local time belongs to its own day, whatever the UTC date."""
    moments = [at(2026, 11, 20, 0, 30), at(2026, 11, 19, 23, 30)]
    assert plan(moments) == []


def test_future_backups_are_kept():
    """After the clock was set back, the 'future' backups are not lost."""
    moments = [NOW + dt.timedelta(days=3), NOW]
    assert plan(moments) == []


def test_backup_info_utc_times_and_file_names():
    """BackupInfo carries naive UTC; its file name, when ShopCRM named it, wins."""
    local = at(2026, 11, 1, 9, 15)
    info = BackupInfo(named(local), taken_at=at(2026, 11, 23, 1, 2), size=1, customers=1)
    other = BackupInfo(named(local - dt.timedelta(hours=1)), at(2026, 11, 23), 1, 1)
    doomed = plan_rotation([info, other], NOW)
    assert doomed == [other.path]  # same day: the newer by name stays
    utc = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    unnamed = BackupInfo(Path("my-copy.db"), utc, 1, 1)
    assert plan_rotation([unnamed], dt.datetime.now()) == []  # converted: today


def test_aware_datetimes_are_converted_to_local_time():
    moment = dt.datetime(2026, 11, 10, 12, tzinfo=dt.timezone.utc)
    assert plan_rotation([(Path("a.db"), moment)], NOW.astimezone()) == []


def test_names():
    parse = backup_policy.taken_at_from_name
    assert parse("shopcrm-2026-11-23-153059-before-import.db") == at(2026, 11, 23, 15, 30, 59)
    assert parse("shopcrm-2026-11-23-1530.db") == at(2026, 11, 23, 15, 30)  # "Back up now"
    for other in ("shopcrm.db", "shopcrm-2026-13-40-1530.db", "notes.db",
                  "shopcrm-2026-11-23-1530.db.bak", ".shopcrm-2026-11-23-1530.db.x1.tmp"):
        assert parse(other) is None


# -- properties ----------------------------------------------------------------------------

moments = st.lists(
    st.datetimes(min_value=dt.datetime(2023, 1, 1), max_value=dt.datetime(2026, 12, 31)),
    max_size=120, unique=True)
nows = st.datetimes(min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2026, 12, 31))


@settings(max_examples=300, deadline=None)
@given(moments, nows)
def test_properties_of_the_rotation(backups, now):
    pairs = [(named(m), m) for m in backups]
    doomed = plan_rotation(pairs, now)
    doomed_set = set(doomed)
    assert len(doomed_set) == len(doomed) and doomed_set <= {p for p, _ in pairs}
    kept = [(p, m) for p, m in pairs if p not in doomed_set]
    if backups:  # the newest backup is never deleted
        assert max(pairs, key=lambda pair: pair[1])[0] not in doomed_set
    yesterday = now.date() - dt.timedelta(days=1)
    assert all(m.date() < yesterday for p, m in pairs if p in doomed_set)  # recent: all kept
    older = [m for _, m in kept if m.date() < yesterday]
    assert len(older) <= 12 + 10 + 9
    assert len({m.date() for m in older}) == len(older)  # at most one a day
    assert plan_rotation(kept, now) == []  # idempotent


@settings(max_examples=200, deadline=None)
@given(moments, nows, st.integers(0, 5), st.integers(0, 5), st.integers(0, 5))
def test_limits_are_respected(backups, now, daily, weekly, monthly):
    pairs = [(named(m), m) for m in backups]
    doomed = set(plan_rotation(pairs, now, daily, weekly, monthly))
    yesterday = now.date() - dt.timedelta(days=1)
    older = [m for p, m in pairs if p not in doomed and m.date() < yesterday]
    assert len(older) <= daily + weekly + monthly
    assert plan_rotation([(p, m) for p, m in pairs if p not in doomed], now,
                         daily, weekly, monthly) == []


# -- rotate(): deleting files ----------------------------------------------------------------

def make_backup(path: Path, damaged: bool = False) -> Path:
    """A tiny file that backup.verify() accepts (or, damaged, refuses)."""
    path.unlink(missing_ok=True)
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE schema_version (id INTEGER PRIMARY KEY, version INTEGER)")
        conn.execute("INSERT INTO schema_version (version) VALUES (1)")
        conn.commit()
    if damaged:
        path.write_bytes(path.read_bytes()[:100] + b"\xff" * 4000)
    return path


def fill(folder: Path, days: int) -> list[Path]:
    folder.mkdir(exist_ok=True)
    return [make_backup(folder / named(NOW - dt.timedelta(days=d)).name) for d in range(days)]


def test_rotate_deletes_what_the_plan_says_and_nothing_else(tmp_path):
    files = fill(tmp_path, 60)
    foreign = [tmp_path / "notes.db", tmp_path / "shopcrm.db", tmp_path / "readme.txt"]
    for path in foreign:
        path.write_bytes(b"the user's own file")
    deleted = backup_policy.rotate(tmp_path, NOW)
    assert sorted(deleted) == sorted(plan_rotation([(p, backup_policy.taken_at_from_name(
        p.name)) for p in files], NOW))
    assert 60 - len(deleted) == 2 + 12 + 7  # 46 older days hold 7 weeks: no month left
    assert all(not p.exists() for p in deleted) and all(p.exists() for p in foreign)
    assert backup_policy.rotate(tmp_path, NOW) == []


def test_nothing_is_rotated_out_when_the_newest_backup_is_damaged(tmp_path):
    files = fill(tmp_path, 40)
    make_backup(files[0], damaged=True)  # the newest
    with pytest.raises(backup.BackupError):
        backup_policy.rotate(tmp_path, NOW)
    assert all(p.exists() for p in files)


def test_a_backup_just_verified_is_not_checked_again(tmp_path, monkeypatch):
    files = fill(tmp_path, 20)
    checked = []
    monkeypatch.setattr(backup, "verify", checked.append)
    backup_policy.rotate(tmp_path, NOW, verified=files[0])
    assert checked == []
    backup_policy.rotate(tmp_path, NOW)
    assert checked == [files[0]]


def test_a_missing_folder_has_nothing_to_rotate(tmp_path):
    assert backup_policy.rotate(tmp_path / "nowhere", NOW) == []
    assert backup_policy.find_backups(tmp_path / "nowhere") == []


def test_stale_temporary_files_of_killed_backups_are_removed(tmp_path):
    fill(tmp_path, 1)
    stale = tmp_path / ".shopcrm-2026-11-20-101010-auto.db.k3j4h5.tmp"
    fresh = tmp_path / ".shopcrm-2026-11-23-153000-auto.db.a1b2c3.tmp"  # a backup in progress
    other = tmp_path / ".hidden.tmp"
    for path in (stale, fresh, other):
        path.write_bytes(b"half a copy")
    old = time.time() - 2 * 3600
    os.utime(stale, (old, old))
    os.utime(other, (old, old))
    backup_policy.rotate(tmp_path, NOW)
    assert not stale.exists() and fresh.exists() and other.exists()
