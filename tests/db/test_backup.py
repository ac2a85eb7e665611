"""Backups of the SQLite database: consistent, verified, never a half file."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from contextlib import closing

import pytest

from shopcrm.core import customers
from shopcrm.db import backup, connection
from shopcrm.db.errors import KnownError
from shopcrm.db.session import open_database

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


@pytest.fixture
def shop(tmp_path):
    open_database("sqlite:///" + str(tmp_path / "shop.db"))
    for name, phone in (("Nguyễn Văn An", "0912345678"), ("Trần Thị Bích Ngọc", "0987654321"),
                        ("Lê Đức Thọ", None)):
        customers.create({"name": name, "phone": phone})
    yield tmp_path
    connection.close()


def rows(path, query):
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        return conn.execute(query).fetchall()


def names(path):
    return rows(path, "SELECT code, name, phone FROM customer ORDER BY code")


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_backup_is_an_intact_self_contained_copy(shop):
    target = shop / "backups" / "copy.db"
    calls = []
    result = backup.backup_to(target, progress=lambda done, total: calls.append((done, total)))
    assert result == target
    assert rows(target, "PRAGMA integrity_check") == [("ok",)]
    assert names(target) == names(shop / "shop.db")
    assert ("KH000001", "Nguyễn Văn An", "0912345678") in names(target)
    assert rows(target, "PRAGMA journal_mode") == [("delete",)]
    assert target.read_bytes()[18:20] == b"\x01\x01"  # rollback journal, not WAL
    assert not (shop / "backups" / "copy.db-wal").exists()
    assert calls and calls[-1][0] == calls[-1][1] > 0
    assert leftovers(shop / "backups") == []


@posix_only
def test_backup_is_readable_by_its_owner_only(shop):
    target = backup.backup_to(shop / "copy.db")
    assert target.stat().st_mode & 0o777 == 0o600


def test_backup_replaces_an_older_backup(shop):
    target = shop / "copy.db"
    backup.backup_to(target)
    customers.create({"name": "Phạm Minh Châu"})
    backup.backup_to(target)
    assert len(names(target)) == 4


def test_failed_check_keeps_the_older_backup_and_no_temp_file(shop, monkeypatch):
    target = shop / "copy.db"
    backup.backup_to(target)
    before = target.read_bytes()
    customers.create({"name": "Phạm Minh Châu"})
    monkeypatch.setattr(backup, "_integrity_check", lambda conn: "*** in database main ***")
    with pytest.raises(backup.BackupError) as raised:
        backup.backup_to(target)
    assert isinstance(raised.value, KnownError)
    assert "damaged" in str(raised.value)
    assert target.read_bytes() == before
    assert leftovers(shop) == []


def test_interrupted_copy_keeps_the_older_backup(shop):
    target = shop / "copy.db"
    target.write_bytes(b"the good old backup")

    def interrupt(done, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        backup.backup_to(target, progress=interrupt)
    assert target.read_bytes() == b"the good old backup"
    assert leftovers(shop) == []


@posix_only
@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes anywhere")
def test_unwritable_folder_gives_a_known_error_and_keeps_the_old_file(shop):
    folder = shop / "locked"
    folder.mkdir()
    target = folder / "copy.db"
    target.write_bytes(b"the good old backup")
    folder.chmod(0o500)
    try:
        with pytest.raises(backup.BackupError, match="Cannot write the backup"):
            backup.backup_to(target)
    finally:
        folder.chmod(0o700)
    assert target.read_bytes() == b"the good old backup"
    assert [p.name for p in folder.iterdir()] == ["copy.db"]


def test_failed_rename_keeps_the_old_file_and_no_temp_file(shop, monkeypatch):
    target = shop / "copy.db"
    target.write_bytes(b"the good old backup")

    def refuse(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(backup.os, "replace", refuse)
    with pytest.raises(backup.BackupError, match="Permission denied"):
        backup.backup_to(target)
    assert target.read_bytes() == b"the good old backup"
    assert leftovers(shop) == []


def test_target_folder_that_cannot_exist_gives_a_known_error(shop):
    (shop / "a-file").write_bytes(b"")
    with pytest.raises(backup.BackupError, match="Cannot write the backup"):
        backup.backup_to(shop / "a-file" / "copy.db")


def test_backup_during_another_counters_write_is_consistent(shop):
    other = sqlite3.connect(shop / "shop.db", isolation_level=None, timeout=10)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE customer SET name = 'half saved' WHERE code = 'KH000001'")
        other.execute("DELETE FROM customer WHERE code = 'KH000002'")
        target = backup.backup_to(shop / "copy.db")
        other.execute("COMMIT")
    finally:
        other.close()
    assert rows(target, "PRAGMA integrity_check") == [("ok",)]
    copied = names(target)
    assert len(copied) == 3
    assert ("KH000001", "Nguyễn Văn An", "0912345678") in copied


def test_backup_inside_a_transaction_is_refused(shop):
    with connection.db.atomic():
        customers.create({"name": "Chưa lưu"})
        with pytest.raises(RuntimeError):
            backup.backup_to(shop / "copy.db")
    assert not (shop / "copy.db").exists()


def test_postgresql_backups_are_made_on_the_server(shop, monkeypatch):
    monkeypatch.setattr(backup, "is_sqlite", lambda database=None: False)
    with pytest.raises(backup.BackupError, match="pg_dump"):
        backup.backup_to(shop / "copy.db")
    assert list(shop.glob("*copy*")) == []


def test_describe_counts_customers_not_in_the_trash(shop):
    first = customers.count()
    customers.trash([1])
    target = backup.backup_to(shop / "copy.db")
    info = backup.describe(target)
    assert info.path == target
    assert info.customers == first - 1
    assert info.size == target.stat().st_size > 0
    age = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - info.taken_at
    assert dt.timedelta(0) <= age < dt.timedelta(minutes=1)
    assert target.read_bytes()[18:20] == b"\x01\x01"  # describe left the file as it was


def test_describe_and_verify_refuse_other_files(shop):
    other = shop / "notes.db"
    other.write_bytes(b"not a database at all, just some text" * 200)
    with pytest.raises(backup.BackupError, match="not a ShopCRM backup"):
        backup.describe(other)
    with pytest.raises(backup.BackupError, match="not a ShopCRM backup"):
        backup.verify(other)
    empty = shop / "empty.db"
    with closing(sqlite3.connect(empty)) as conn:
        conn.execute("CREATE TABLE t (x)")
    with pytest.raises(backup.BackupError):
        backup.verify(empty)


def test_names_and_folder():
    assert backup.default_backup_name(dt.datetime(2026, 11, 23, 15, 30, 59)) == \
        "shopcrm-2026-11-23-1530.db"
    assert backup.default_backup_name().startswith("shopcrm-20")
    assert backup.backup_dir() == connection.data_dir() / "backups"
