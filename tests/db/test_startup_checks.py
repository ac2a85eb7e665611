"""Opening an SQLite file: damage found before writing, one writer, read-only opens."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import peewee
import pytest

from shopcrm import cli
from shopcrm.core import customers
from shopcrm.db import backup, connection, migrations, session
from shopcrm.db.errors import (
    DamagedDatabaseError, DatabaseInUseError, DatabaseOpenError, NewerSchemaError,
)
from shopcrm.db.models import Customer
from shopcrm.db.session import open_database
from support import damage, make_closed_shop

FIXTURE_V1 = Path(__file__).parents[1] / "fixtures" / "schema_v1.db"
# At the current schema: what a read-only open can show without an upgrade.
FIXTURE_CURRENT = (Path(__file__).parents[1] / "fixtures"
                   / f"schema_v{migrations.CURRENT_VERSION}.db")
IN_USE = ("This database is already open in another ShopCRM window on this computer (or "
          "another computer through a shared folder). Several counters should share a "
          "PostgreSQL database instead; you can open this one read-only.")


@pytest.fixture
def backups(tmp_path, monkeypatch) -> Path:
    """An empty backups folder instead of the user's."""
    folder = tmp_path / "backups"
    folder.mkdir()
    monkeypatch.setattr(session, "backup_dir", lambda: folder)
    return folder


@pytest.fixture
def shop(tmp_path) -> Path:
    """A closed SQLite file with 40 customers."""
    return make_closed_shop(tmp_path / "shop.db", 40)


def spy_on_check(monkeypatch) -> list[Path]:
    calls: list[Path] = []
    real = session.check_file
    monkeypatch.setattr(session, "check_file",
                        lambda path, *rest: calls.append(path) or real(path, *rest))
    return calls


# -- 1. the SQLite version ---------------------------------------------------------------

def test_the_sqlite_version_is_logged(sqlite_url, caplog):
    with caplog.at_level(logging.INFO, logger="shopcrm.db.connection"):
        open_database(sqlite_url)
    connection.close()
    assert f"SQLite {sqlite3.sqlite_version} at " in caplog.text


# -- 2. quick_check, and read-only opens ---------------------------------------------------

def test_a_damaged_file_is_refused_untouched_and_says_what_to_do(shop, backups):
    damage(shop)
    data = shop.read_bytes()
    with pytest.raises(DamagedDatabaseError) as caught:
        open_database(connection.sqlite_url(shop))
    message = str(caught.value)
    assert "is damaged" in message and "btreeInitPage" in message
    assert "open it read-only" in message and f"No backup was found in {backups}" in message
    assert caught.value.backup is None
    assert shop.read_bytes() == data
    assert connection.db.obj is None or connection.db.obj.is_closed()
    connection.WriterLock(shop).acquire()  # the lock was let go


def test_the_message_names_the_newest_backup(shop, backups):
    older, newer = backups / "shopcrm-2026-05-01-0900.db", backups / "shopcrm-2026-05-02-0900.db"
    for age, path in ((7200, older), (60, newer)):
        shutil.copy(shop, path)
        os.utime(path, (time.time() - age, time.time() - age))
    damage(shop)
    with pytest.raises(DamagedDatabaseError) as caught:
        open_database(connection.sqlite_url(shop))
    assert caught.value.backup == newer
    assert f"restore the newest backup, {newer}." in str(caught.value)


def test_a_damaged_file_opens_read_only_shows_the_data_and_writes_nothing(shop, backups):
    damage(shop)
    data = shop.read_bytes()
    database = open_database(connection.sqlite_url(shop), read_only=True)
    assert connection.is_read_only() and connection.is_sqlite()
    assert customers.count() == 40
    assert Customer.get(Customer.phone == "0912000007").name == "Khách 7"
    with pytest.raises(peewee.OperationalError, match="readonly"):
        customers.create({"name": "Không được ghi"})
    assert database.pragma("query_only") == 1
    connection.close()
    assert shop.read_bytes() == data
    assert not (shop.parent / "shop.db.open").exists()


def test_a_read_only_open_never_switches_to_wal_nor_migrates(tmp_path, monkeypatch):
    copy = tmp_path / "current.db"
    shutil.copy(FIXTURE_CURRENT, copy)
    data = copy.read_bytes()
    assert data[18:20] == b"\x01\x01"  # a rollback-journal file
    open_database(connection.sqlite_url(copy), read_only=True)
    assert Customer.select().count() == 3
    connection.close()
    assert copy.read_bytes() == data

    monkeypatch.setattr(migrations, "CURRENT_VERSION", migrations.CURRENT_VERSION + 1)
    with pytest.raises(DatabaseOpenError, match="must be upgraded"):
        open_database(connection.sqlite_url(copy), read_only=True)
    assert copy.read_bytes() == data


def test_read_only_needs_an_existing_shopcrm_file(tmp_path):
    missing = tmp_path / "missing.db"
    with pytest.raises(DatabaseOpenError, match="There is no database at"):
        open_database(connection.sqlite_url(missing), read_only=True)
    assert not missing.exists()
    foreign = tmp_path / "other.db"
    with sqlite3.connect(foreign) as raw:
        raw.execute("CREATE TABLE t (x)")
    with pytest.raises(DatabaseOpenError, match="not a ShopCRM database"):
        open_database(connection.sqlite_url(foreign), read_only=True)
    with pytest.raises(ValueError):
        connection.open_url("postgresql://shop@localhost/shop", read_only=True)


def test_a_newer_database_is_refused_read_only_too(tmp_path):
    copy = tmp_path / "future.db"
    shutil.copy(FIXTURE_V1, copy)
    with sqlite3.connect(copy) as raw:
        raw.execute("UPDATE schema_version SET version = 99")
    with pytest.raises(NewerSchemaError):
        open_database(connection.sqlite_url(copy), read_only=True)


def test_a_small_file_is_checked_at_every_start(shop, monkeypatch):
    calls = spy_on_check(monkeypatch)
    open_database(connection.sqlite_url(shop))
    connection.close()
    assert calls == [shop]


def test_a_big_file_is_checked_only_after_an_unclean_shutdown(shop, monkeypatch, backups):
    monkeypatch.setattr(session, "QUICK_CHECK_ALWAYS_BELOW", 0)  # every file is "big"
    calls = spy_on_check(monkeypatch)
    marker = shop.parent / "shop.db.open"
    open_database(connection.sqlite_url(shop))
    assert marker.exists()  # while open for writing
    connection.close()
    assert not marker.exists() and calls == []  # a clean shutdown

    marker.touch()  # what a crash leaves behind
    open_database(connection.sqlite_url(shop))
    connection.close()
    assert calls == [shop] and not marker.exists()

    damage(shop)
    open_database(connection.sqlite_url(shop))  # not checked: found at the next crash or backup
    connection.close()
    marker.touch()
    with pytest.raises(DamagedDatabaseError):
        open_database(connection.sqlite_url(shop))
    assert marker.exists()  # still to be checked next time


def test_when_the_check_is_due(tmp_path):
    path = tmp_path / "x.db"
    assert not session.quick_check_due(path, crashed=True)  # a new database
    path.write_bytes(b"")
    assert not session.quick_check_due(path, crashed=True)
    path.write_bytes(b"x" * 4096)
    assert session.quick_check_due(path, crashed=False)
    with open(path, "r+b") as fh:
        fh.truncate(session.QUICK_CHECK_ALWAYS_BELOW)
    assert not session.quick_check_due(path, crashed=False)
    assert session.quick_check_due(path, crashed=True)


def test_a_file_that_is_not_a_database_is_not_called_damaged(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("Danh sách khách hàng\n")
    with pytest.raises(DatabaseOpenError, match="not a ShopCRM database"):
        open_database(connection.sqlite_url(path))


# -- 3. a newer version: tests/db/test_migrations.py::test_newer_database_is_refused_untouched

# -- 4. one writer ---------------------------------------------------------------------------

def test_the_lock_is_held_while_open_and_let_go_on_close(shop):
    url = connection.sqlite_url(shop)
    open_database(url)
    assert (shop.parent / "shop.db.lock").exists()
    with pytest.raises(DatabaseInUseError) as caught:
        connection.WriterLock(shop).acquire()  # a second holder, even in this process
    assert str(caught.value) == IN_USE
    connection.close()
    other = connection.WriterLock(shop)
    other.acquire()
    other.release()


def test_opening_again_closes_the_previous_database_first(shop):
    url = connection.sqlite_url(shop)
    first = open_database(url)
    second = open_database(url)
    assert first.is_closed() and not second.is_closed()
    assert customers.count() == 40
    connection.close()


HOLDER = """
import sys, time
from shopcrm.core import customers
from shopcrm.db.session import open_database
open_database(sys.argv[1])
customers.create({"name": "Khách của quầy 2"})
print("open", flush=True)
time.sleep(120)
"""


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
def test_a_second_process_is_refused_can_read_and_gets_the_file_after_a_crash(
        shop, monkeypatch, capsys):
    url = connection.sqlite_url(shop)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, url], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(DatabaseInUseError) as caught:
            open_database(url)
        assert str(caught.value) == IN_USE
        assert connection.db.obj is None or connection.db.obj.is_closed()

        open_database(url, read_only=True)
        assert customers.count() == 41  # sees the other process's committed work
        assert Customer.select().where(Customer.name == "Khách của quầy 2").count() == 1
        connection.close()
        with pytest.raises(DatabaseInUseError):
            open_database(url)  # closing the read-only one changed nothing

        copy = shop.parent / "copy.db"  # the command line: a reading command reads read-only
        assert cli.main(["--db", url, "backup", str(copy)]) == 0
        assert backup.describe(copy).customers == 41
        assert cli.main(["--db", url, "demo", "--customers", "1"]) == 2
        assert IN_USE in capsys.readouterr().err
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        holder.stdout.close()

    monkeypatch.setattr(session, "QUICK_CHECK_ALWAYS_BELOW", 0)
    calls = spy_on_check(monkeypatch)
    open_database(url)  # the lock died with the process
    assert calls == [shop]  # and its marker says the last session did not end cleanly
    assert customers.count() == 41
    connection.close()
