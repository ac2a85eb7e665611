"""Every fixture of an older schema opens with today's code, upgraded with all rows intact."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from playhouse.migrate import migrate as run_operations

from shopcrm.core.errors import DatabaseOpenError, NewerSchemaError
from shopcrm.db import connection, migrations
from shopcrm.db.models import ALL_MODELS, Customer, SchemaVersion
from shopcrm.db.session import open_database

FIXTURES = sorted((Path(__file__).parents[1] / "fixtures").glob("schema_v*.db"),
                  key=lambda p: int(p.stem.removeprefix("schema_v")))
FIXTURES_BY_NAME = {p.name: p for p in FIXTURES}


def table_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as raw:
        tables = [row[0] for row in raw.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
        return {table: raw.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
                for table in tables}


def columns(path: Path) -> dict[str, set[str]]:
    with sqlite3.connect(path) as raw:
        tables = [m._meta.table_name for m in ALL_MODELS]
        return {t: {row[1] for row in raw.execute(f'PRAGMA table_info("{t}")')} for t in tables}


def test_there_is_a_fixture_for_the_current_version():
    assert f"schema_v{migrations.CURRENT_VERSION}.db" in {p.name for p in FIXTURES}


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_fixture_upgrades_with_every_row(fixture, tmp_path):
    copy = tmp_path / fixture.name
    shutil.copy(fixture, copy)
    before = table_counts(copy)
    assert before["customer"] > 0 and before["purchase"] > 0

    open_database(connection.sqlite_url(copy))
    assert migrations.schema_version(connection.db.obj) == migrations.CURRENT_VERSION
    assert Customer.get(Customer.code == "KH000002").referred_by.name == "Nguyễn Thị Thu Hà"
    connection.close()

    after = table_counts(copy)
    assert {t: n for t, n in after.items() if t in before} == before
    fresh = tmp_path / "fresh.db"
    open_database(connection.sqlite_url(fresh))
    connection.close()
    assert columns(copy) == columns(fresh)


def test_runner_applies_an_upgrade_after_the_backup_hook(tmp_path, monkeypatch):
    """A pretend next version adds a column: the runner calls the hook, migrates, keeps rows."""
    copy = tmp_path / "current.db"
    shutil.copy(FIXTURES_BY_NAME[f"schema_v{migrations.CURRENT_VERSION}.db"], copy)
    import peewee

    def add_loyalty_points(migrator):
        run_operations(migrator.add_column("customer", "points", peewee.IntegerField(default=0)))

    current = migrations.CURRENT_VERSION
    monkeypatch.setattr(migrations, "CURRENT_VERSION", current + 1)
    monkeypatch.setitem(migrations.UPGRADES, current + 1, add_loyalty_points)
    calls = []
    database = connection.connect(connection.sqlite_url(copy))
    found = migrations.migrate(database, before_upgrade=lambda old, new: calls.append((old, new)))
    assert found == current and calls == [(current, current + 1)]
    assert SchemaVersion.select().scalar() is not None
    points = database.execute_sql("SELECT SUM(points), COUNT(*) FROM customer").fetchone()
    assert points == (0, 3)
    assert database.pragma("foreign_keys") == 1  # restored after migration_context
    connection.close()


def test_failed_upgrade_changes_nothing(tmp_path, monkeypatch):
    copy = tmp_path / "v1.db"
    shutil.copy(FIXTURES[0], copy)
    before = table_counts(copy)

    def broken(migrator):
        migrator.database.execute_sql("DELETE FROM purchase")
        raise RuntimeError("power cut")

    monkeypatch.setattr(migrations, "CURRENT_VERSION", migrations.CURRENT_VERSION + 1)
    monkeypatch.setitem(migrations.UPGRADES, migrations.CURRENT_VERSION, broken)
    database = connection.connect(connection.sqlite_url(copy))
    with pytest.raises(RuntimeError):
        migrations.migrate(database)
    connection.close()
    assert table_counts(copy) == before


def test_newer_database_is_refused_untouched(tmp_path):
    copy = tmp_path / "future.db"
    shutil.copy(FIXTURES[-1], copy)
    with sqlite3.connect(copy) as raw:
        raw.execute("UPDATE schema_version SET version = 99")
    data = copy.read_bytes()
    with pytest.raises(NewerSchemaError) as caught:
        open_database(connection.sqlite_url(copy))
    assert "newer ShopCRM" in str(caught.value)
    assert copy.read_bytes() == data


def test_foreign_sqlite_database_is_left_alone(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE customer (id INTEGER PRIMARY KEY, x TEXT)")
    with pytest.raises(NewerSchemaError):
        open_database(connection.sqlite_url(path))
    assert table_counts(path) == {"customer": 0}


def test_a_file_that_is_not_a_database_is_refused(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("Danh sách khách hàng\n")
    with pytest.raises(DatabaseOpenError) as caught:
        open_database(connection.sqlite_url(path))
    assert "not a ShopCRM database" in str(caught.value)
    assert path.read_text() == "Danh sách khách hàng\n"
