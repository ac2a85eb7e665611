"""Restoring a backup: the data comes back, the current state is kept first, and a bad file
changes nothing."""

from __future__ import annotations

import os
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from shopcrm import cli
from shopcrm.core import customers
from shopcrm.core.errors import KnownError, NewerSchemaError
from shopcrm.db import auto_backup, connection, migrations, restore
from shopcrm.db.models import AuditLog, Customer
from shopcrm.db.session import open_database
from support import damage

FIXTURE_V1 = Path(__file__).parents[1] / "fixtures" / "schema_v1.db"


@pytest.fixture
def shop(tmp_path):
    """A closed SQLite shop of five customers (one in the trash), and a backup of it
    taken when it had four."""
    path = tmp_path / "shop.db"
    open_database(connection.sqlite_url(path))
    for name in ("Nguyễn Văn An", "Trần Thị Bích", "Lê Đức Thọ", "Phạm Minh Châu"):
        customers.create({"name": name})
    saved = auto_backup.take_backup(tmp_path / "backups", "manual")
    customers.create({"name": "Võ Thị Sáu"})
    customers.trash([1])
    connection.close()
    return path, saved


def rows(path: Path) -> list[tuple]:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        return conn.execute("SELECT code, name, deleted_at IS NULL FROM customer ORDER BY id"
                            ).fetchall()


def dump(path: Path) -> list[str]:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        return list(conn.iterdump())


def test_restore_brings_back_the_data_and_keeps_the_state_before(shop, tmp_path):
    path, saved = shop
    current = rows(path)
    before = restore.restore(saved, path, tmp_path / "backups")
    assert rows(path) == rows(saved) and len(rows(path)) == 4
    assert before.parent == tmp_path / "backups" and before.name.endswith("-before-restore.db")
    assert rows(before) == current  # the restore itself can be undone
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT action, details FROM audit_log ORDER BY id DESC").fetchone() \
            == ("restore_backup", saved.name)
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]  # no staging left
    assert connection.held_writer() is None and not Path(f"{path}.lock.open").exists()
    open_database(connection.sqlite_url(path))  # opens as a normal database
    assert customers.count() == 4
    connection.close()


def test_restore_into_the_open_database_reopens_it(shop, tmp_path):
    path, saved = shop
    open_database(connection.sqlite_url(path))
    try:
        assert Customer.select().count() == 5
        writer = connection.held_writer()
        restore.restore(saved, path, tmp_path / "backups")
        assert Customer.select().count() == 4  # read through the reopened connection
        assert connection.held_writer() is writer  # never let go of in between
        assert connection.db.obj.pragma("journal_mode") == "wal"
        customers.create({"name": "Đặng Văn Lâm"})
        assert AuditLog.select().where(AuditLog.action == "restore_backup").count() == 1
    finally:
        connection.close()
    assert len(rows(path)) == 5


def test_restore_onto_a_new_computer(shop, tmp_path):
    """No database yet: the backup becomes it, and there is nothing to keep."""
    _, saved = shop
    target = tmp_path / "new-computer" / "shopcrm.db"
    assert restore.restore(saved, target, tmp_path / "backups2") is None
    assert rows(target) == rows(saved)
    assert not (tmp_path / "backups2").exists()


def test_the_old_log_files_are_not_replayed_into_the_restored_database(shop, tmp_path):
    """A crash left shop.db-wal with committed rows: they go into the before-restore
    backup, and never into the restored file."""
    path, saved = shop
    writer = sqlite3.connect(path)
    writer.execute("PRAGMA journal_mode=wal")
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("UPDATE customer SET name = 'Chỉ có trong WAL' WHERE id = 2")
    writer.commit()
    crashed = tmp_path / "crashed"
    crashed.mkdir()
    for end in ("", "-wal"):
        shutil.copy(f"{path}{end}", crashed / f"shop.db{end}")
    writer.close()
    target = crashed / "shop.db"
    before = restore.restore(saved, target, tmp_path / "backups")
    assert not Path(f"{target}-wal").exists() and not Path(f"{target}-wal.old").exists()
    assert rows(target) == rows(saved)
    assert "Chỉ có trong WAL" in [name for _, name, _ in rows(before)]


@pytest.mark.parametrize("kind", ["text", "damaged", "foreign", "empty"])
def test_a_bad_file_is_refused_and_nothing_changes(shop, tmp_path, kind):
    path, saved = shop
    bad = tmp_path / "backups" / "shopcrm-2026-11-23-1530.db"
    if kind == "text":
        bad.write_text("Danh sách khách hàng\n" * 100)
    elif kind == "damaged":
        shutil.copy(saved, bad)
        damage(bad)
    elif kind == "foreign":
        with closing(sqlite3.connect(bad)) as raw:
            raw.execute("CREATE TABLE customer (id INTEGER PRIMARY KEY, x TEXT)")
    else:
        bad.write_bytes(b"")
    data, backups = dump(path), sorted(p.name for p in (tmp_path / "backups").iterdir())
    with pytest.raises(restore.RestoreError) as caught:
        restore.restore(bad, path, tmp_path / "backups")
    assert isinstance(caught.value, KnownError)
    expected = "is damaged" if kind == "damaged" else "is not a ShopCRM backup"
    assert expected in str(caught.value) and "Nothing was changed" in str(caught.value)
    assert dump(path) == data
    assert sorted(p.name for p in (tmp_path / "backups").iterdir()) == backups
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]
    assert connection.held_writer() is None
    open_database(connection.sqlite_url(path))  # the lock was let go
    connection.close()


def test_a_backup_of_a_newer_shopcrm_is_refused(shop, tmp_path):
    path, saved = shop
    newer = tmp_path / "newer.db"
    shutil.copy(saved, newer)
    with closing(sqlite3.connect(newer)) as raw:
        raw.execute("UPDATE schema_version SET version = 99")
        raw.commit()
    data = dump(path)
    with pytest.raises(NewerSchemaError):
        restore.restore(newer, path, tmp_path / "backups")
    assert dump(path) == data


def test_a_backup_of_an_older_schema_is_upgraded_when_reopened(tmp_path, monkeypatch):
    path = tmp_path / "shop.db"
    open_database(connection.sqlite_url(path))
    try:
        restore.restore(FIXTURE_V1, path, tmp_path / "backups")
        assert migrations.schema_version(connection.db.obj) == migrations.CURRENT_VERSION
        assert Customer.get(Customer.code == "KH000002").referred_by.name == "Nguyễn Thị Thu Hà"
    finally:
        connection.close()


def test_restore_is_refused_while_another_shopcrm_has_the_file_open(shop, tmp_path):
    path, saved = shop
    other = connection.WriterLock(path)  # as another process would hold it
    other.acquire()
    try:
        data = dump(path)
        with pytest.raises(restore.RestoreError, match="open in another ShopCRM window"):
            restore.restore(saved, path, tmp_path / "backups")
        assert dump(path) == data
        assert cli.main(["--db", connection.sqlite_url(path), "restore", str(saved)]) == 2
    finally:
        other.release()
    assert dump(path) == data


def test_the_database_itself_is_not_a_backup(shop, tmp_path):
    path, _ = shop
    with pytest.raises(restore.RestoreError, match="the database itself"):
        restore.restore(path, path, tmp_path / "backups")
    with pytest.raises(restore.RestoreError, match="There is no file"):
        restore.restore(tmp_path / "missing.db", path, tmp_path / "backups")


def test_command_line_restore_and_backup(shop, tmp_path, monkeypatch, capsys):
    path, saved = shop
    url = connection.sqlite_url(path)
    assert cli.main(["--db", url, "restore", str(saved)]) == 0
    out = capsys.readouterr().out
    assert f"restored {saved}" in out and "-before-restore.db" in out
    assert rows(path) == rows(saved)
    assert cli.main(["--db", url, "backup"]) == 0  # named and rotated in the backups folder
    made = Path(capsys.readouterr().out.strip())
    assert made.name.endswith("-manual.db") and rows(made) == rows(saved)


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_restored_file_is_readable_by_its_owner_only(shop, tmp_path):
    path, saved = shop
    restore.restore(saved, path, tmp_path / "backups")
    assert path.stat().st_mode & 0o777 == 0o600


def test_postgresql_is_restored_on_the_server(capsys):
    url = "postgresql://shop:secret@server/shopcrm"
    with pytest.raises(restore.RestoreError, match="pg_restore"):
        restore.database_file(url)
    assert cli.main(["--db", url, "restore", "backup.db"]) == 2
    assert "pg_restore" in capsys.readouterr().err
