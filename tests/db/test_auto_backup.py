"""Automatic backups: named, verified, rotated; taken before imports, upgrades and purges."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import peewee
import pytest
from playhouse.migrate import migrate as run_operations

from shopcrm.core import customers
from shopcrm.db import auto_backup, backup, backup_policy, connection, migrations
from shopcrm.db.models import AuditLog, Customer, Purchase
from shopcrm.db.session import open_database
from shopcrm.io import importer

# A database at the current schema, so that a pretended next version is one step up.
FIXTURE_CURRENT = (Path(__file__).parents[1] / "fixtures"
                   / f"schema_v{migrations.CURRENT_VERSION}.db")
NOW = dt.datetime(2026, 11, 23, 15, 30, 5)


@pytest.fixture
def shop(tmp_path):
    """An open SQLite shop with three customers."""
    open_database(connection.sqlite_url(tmp_path / "shop.db"))
    for name in ("Nguyễn Văn An", "Trần Thị Bích", "Lê Đức Thọ"):
        customers.create({"name": name})
    yield tmp_path
    connection.close()


def count(path: Path, where: str = "deleted_at IS NULL") -> int:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        return conn.execute(f"SELECT COUNT(*) FROM customer WHERE {where}").fetchone()[0]


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def old_backups(folder: Path, source: Path, days: int) -> list[Path]:
    """Copies of a good backup, one a day for `days` days before NOW."""
    folder.mkdir(exist_ok=True)
    made = []
    for day in range(1, days + 1):
        path = folder / auto_backup.backup_name(NOW - dt.timedelta(days=day), "auto")
        shutil.copy(source, path)
        made.append(path)
    return made


# -- taking a backup ---------------------------------------------------------------------

def test_backup_names():
    assert auto_backup.backup_name(NOW, "before-import") == \
        "shopcrm-2026-11-23-153005-before-import.db"
    assert auto_backup.backup_name(NOW, "Trước khi nhập!") == \
        "shopcrm-2026-11-23-153005-tr-c-khi-nh-p.db"
    assert auto_backup.backup_name(NOW, "") == "shopcrm-2026-11-23-153005-backup.db"


def test_take_backup_writes_a_verified_named_copy(shop):
    folder = shop / "backups"
    path = auto_backup.take_backup(folder, "auto", NOW)
    assert path == folder / "shopcrm-2026-11-23-153005-auto.db"
    backup.verify(path)
    assert count(path) == 3
    assert auto_backup.last_backup_at(folder) == NOW.replace(microsecond=0)


def test_rotation_follows_a_verified_backup(shop):
    folder = shop / "backups"
    first = auto_backup.take_backup(folder, "auto", NOW - dt.timedelta(days=80))
    olds = old_backups(folder, first, 79)
    path = auto_backup.take_backup(folder, "auto", NOW)
    left = {p for p, _ in backup_policy.find_backups(folder)}
    assert path in left
    assert len(left) == 2 + 12 + 10  # today and yesterday, 12 days, 10 weeks (67 days)
    assert not set(olds + [first]) <= left


def test_a_failed_backup_keeps_every_old_one(shop, monkeypatch):
    folder = shop / "backups"
    first = auto_backup.take_backup(folder, "auto", NOW - dt.timedelta(days=80))
    old_backups(folder, first, 79)
    before = names(folder)
    monkeypatch.setattr(backup, "_integrity_check", lambda conn: "*** in database main ***")
    with pytest.raises(backup.BackupError):
        auto_backup.take_backup(folder, "auto", NOW)
    assert names(folder) == before


def test_a_damaged_newest_backup_stops_the_rotation(shop, caplog):
    """A newer file than the one just made (clock set back) that fails the check."""
    folder = shop / "backups"
    first = auto_backup.take_backup(folder, "auto", NOW - dt.timedelta(days=80))
    old_backups(folder, first, 79)
    future = folder / auto_backup.backup_name(NOW + dt.timedelta(days=2), "auto")
    future.write_bytes(b"SQLite format 3\x00" + b"\x00" * 2000)
    before = names(folder)
    path = auto_backup.take_backup(folder, "auto", NOW)
    assert names(folder) == sorted(before + [path.name])
    assert "old backups kept" in caplog.text


def test_take_backup_from_a_file(shop):
    folder = shop / "backups"
    path = auto_backup.take_file_backup(shop / "shop.db", folder, "before-upgrade", NOW)
    assert path.name.endswith("-before-upgrade.db") and count(path) == 3
    assert auto_backup.take_file_backup(shop / "missing.db", folder, "x") is None


# -- when a backup is due ---------------------------------------------------------------

@pytest.mark.parametrize(("last", "changed", "due"), [
    (None, True, True),
    (None, False, False),
    (NOW - dt.timedelta(minutes=29), True, False),
    (NOW - dt.timedelta(minutes=30), True, True),
    (NOW - dt.timedelta(days=3), False, False),
    (NOW + dt.timedelta(days=2), True, True),  # the clock was set back
])
def test_backup_due(last, changed, due):
    assert auto_backup.backup_due(last, changed, NOW) is due


def test_backup_due_with_another_interval():
    last = NOW - dt.timedelta(minutes=10)
    assert auto_backup.backup_due(last, True, NOW, every=dt.timedelta(minutes=5))


def test_change_stamp_sees_every_write_and_only_writes(shop):
    stamp = auto_backup.change_stamp()
    customers.count()
    auto_backup.take_backup(shop / "backups", "auto", NOW)
    assert auto_backup.change_stamp() == stamp  # reading and backing up change nothing

    customers.create({"name": "Phạm Minh Châu"})  # this connection
    assert auto_backup.change_stamp() != stamp
    stamp = auto_backup.change_stamp()

    def other_thread():  # a background job's own connection
        customers.trash([1])
        connection.db.obj.close()

    worker = threading.Thread(target=other_thread)
    worker.start()
    worker.join()
    assert auto_backup.change_stamp() != stamp
    stamp = auto_backup.change_stamp()

    with closing(sqlite3.connect(shop / "shop.db")) as other:  # another process, any table
        other.execute("INSERT INTO tag (name) VALUES ('VIP')")
        other.commit()
    assert auto_backup.change_stamp() != stamp


# -- the hooks -----------------------------------------------------------------------------

def write_csv(path: Path, rows: int) -> Path:
    lines = ["Họ tên,Số điện thoại"] + [f"Khách mới {n},0912{n:06d}" for n in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_backup_is_taken_before_an_import(shop):
    folder = shop / "chosen"
    plan = importer.plan_import(write_csv(shop / "list.csv", 5))
    result = importer.run_import(plan, backup_folder=folder)
    assert result.created == 5 and customers.count() == 8
    [made] = folder.glob("*-before-import.db")
    assert count(made) == 3  # the state before the import


def test_an_import_without_a_folder_backs_up_into_the_default_one(shop):
    importer.run_import(importer.plan_import(write_csv(shop / "list.csv", 2)))
    assert len(list(backup.backup_dir().glob("*-before-import.db"))) == 1


def test_no_import_when_the_backup_fails(shop, monkeypatch):
    monkeypatch.setattr(backup, "_integrity_check", lambda conn: "page 3 is broken")
    with pytest.raises(backup.BackupError):
        importer.run_import(importer.plan_import(write_csv(shop / "list.csv", 5)),
                            backup_folder=shop / "backups")
    assert customers.count() == 3


def pretend_next_version(monkeypatch):
    """As test_migrations does: a next version that adds a column."""
    current = migrations.CURRENT_VERSION

    def add_points(migrator):
        run_operations(migrator.add_column("customer", "points", peewee.IntegerField(default=0)))

    monkeypatch.setattr(migrations, "CURRENT_VERSION", current + 1)
    monkeypatch.setitem(migrations.UPGRADES, current + 1, add_points)
    return current


def columns(path: Path) -> set[str]:
    with closing(sqlite3.connect(path)) as raw:
        return {row[1] for row in raw.execute("PRAGMA table_info(customer)")}


def test_a_backup_is_taken_before_a_migration(tmp_path, monkeypatch):
    copy = tmp_path / "v1.db"
    shutil.copy(FIXTURE_CURRENT, copy)
    current = pretend_next_version(monkeypatch)
    folder = tmp_path / "backups"
    open_database(connection.sqlite_url(copy), backup_folder=folder)
    assert migrations.schema_version(connection.db.obj) == current + 1
    connection.close()
    [made] = folder.glob("*-before-upgrade.db")
    assert "points" in columns(copy) and "points" not in columns(made)
    with closing(sqlite3.connect(made)) as raw:
        assert raw.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] == current
    assert count(made, "1") == count(copy, "1") == 3


def test_no_backup_for_a_new_or_current_database(tmp_path):
    folder = tmp_path / "backups"
    url = connection.sqlite_url(tmp_path / "new.db")
    open_database(url, backup_folder=folder)
    connection.close()
    open_database(url, backup_folder=folder)
    connection.close()
    assert names(folder) == []


def test_no_migration_when_its_backup_fails(tmp_path, monkeypatch):
    copy = tmp_path / "v1.db"
    shutil.copy(FIXTURE_CURRENT, copy)
    pretend_next_version(monkeypatch)
    monkeypatch.setattr(backup, "_integrity_check", lambda conn: "page 3 is broken")
    with pytest.raises(backup.BackupError):
        open_database(connection.sqlite_url(copy), backup_folder=tmp_path / "backups")
    assert "points" not in columns(copy)
    assert connection.held_writer() is None


def test_a_backup_is_taken_before_the_trash_is_emptied(db, db_url, tmp_path):
    for name in ("Nguyễn Văn An", "Trần Thị Bích", "Lê Đức Thọ"):
        customers.create({"name": name})
    Purchase.create(customer=2, date=dt.date(2026, 11, 1), amount=250_000)
    folder = tmp_path / "backups"
    assert customers.purge_trash(backup_folder=folder) == 0  # nothing in the trash
    assert names(folder) == []

    customers.trash([2, 3], user="Lan")
    assert customers.purge_trash(user="Lan", backup_folder=folder) == 2
    assert [c.name for c in Customer.select()] == ["Nguyễn Văn An"]
    assert Purchase.select().count() == 0  # the trashed customer's purchases went too
    entry = AuditLog.select().where(AuditLog.action == "purge").get()
    assert entry.user == "Lan" and entry.details.startswith("2 customers")
    if db_url.startswith("sqlite"):
        [made] = folder.glob("*-before-purge.db")
        assert count(made, "deleted_at IS NOT NULL") == 2
    else:  # PostgreSQL: the server's backups
        assert names(folder) == []


# -- PostgreSQL: nothing to do ----------------------------------------------------------------

def test_every_function_is_a_no_op_on_postgresql(fresh_pg_url, tmp_path):
    open_database(fresh_pg_url, backup_folder=tmp_path / "backups")
    try:
        customers.create({"name": "Nguyễn Văn An"})
        folder = tmp_path / "backups"
        assert auto_backup.take_backup(folder, "auto") is None
        assert auto_backup.change_stamp() is None
        importer.run_import(importer.plan_import(write_csv(tmp_path / "list.csv", 2)),
                            backup_folder=folder)
        assert customers.count() == 3
        assert not folder.exists()
    finally:
        connection.close()
