"""Every fixture of an older schema opens with today's code, upgraded with all rows intact."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from playhouse.migrate import SchemaMigrator
from playhouse.migrate import migrate as run_operations

from shopcrm.core.errors import DatabaseOpenError, NewerSchemaError
from shopcrm.db import connection, migrations
from shopcrm.db.models import (
    ALL_MODELS, AuditLog, Customer, ImportBatch, ImportChange, ImportTagLink, Purchase,
    SchemaVersion, Tag,
)
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


def constraints(path: Path) -> tuple[set, set]:
    """The indexes (table, name) and foreign keys (table, column, target, ON DELETE)."""
    with sqlite3.connect(path) as raw:
        indexes = set(raw.execute("SELECT tbl_name, name FROM sqlite_master WHERE type='index' "
                                  "AND name NOT LIKE 'sqlite_%'"))
        keys = {(m._meta.table_name, row[3], row[2], row[6]) for m in ALL_MODELS
                for row in raw.execute(f'PRAGMA foreign_key_list("{m._meta.table_name}")')}
        return indexes, keys


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
    assert constraints(copy) == constraints(fresh)


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


# -- version 3: what import undo needs, out of the audit log ------------------------------

def _run(database, sql: str, *params):
    """Raw SQL as ShopCRM 2 would have written it ('?' placeholders, any database kind)."""
    return database.execute_sql(sql.replace("?", database.param), params)


def _insert(database, table: str, **values) -> int:
    columns = ", ".join(values)
    marks = ", ".join("?" * len(values))
    cursor = _run(database, f"INSERT INTO {table} ({columns}) VALUES ({marks}) RETURNING id",
                  *values.values())
    return cursor.fetchone()[0]


def add_v2_import_records(database, ha: int, duc: int) -> dict[str, int]:
    """What ShopCRM 2 kept after an import that updated `ha` and `duc` (adding ha a tag
    it created) and a purchases import, `duc` erased since; a purchases import known only
    by its "import" entry; a broken record. Returns the ids made."""
    when = "2026-06-01 08:00:00"
    counts = dict(rows_total=2, rows_created=0, rows_updated=0, rows_skipped=0,
                  rows_rejected=0, started_at=when, finished_at=when)
    ids = {"update": _insert(database, "import_batch", file_name="cap-nhat.csv", **counts),
           "sales": _insert(database, "import_batch", file_name="ban-hang.xlsx", **counts),
           "legacy": _insert(database, "import_batch", file_name="cu.csv", **counts),
           "vip": _insert(database, "tag", name="VIP mới")}
    _insert(database, "customer_tag", customer_id=ha, tag_id=ids["vip"])
    _run(database, "UPDATE customer SET email = ?, version = ? WHERE id = ?",
         "ha.moi@example.vn", 2, ha)
    for name in ("p1", "p2"):
        ids[name] = _insert(database, "purchase", customer_id=ha, date="2026-06-01",
                            amount=500_000, channel="store", created_at=when)
    gone = 999_999
    records = [
        ("import_before", {"batch": ids["update"], "kind": "customers",
                           "updated": {str(ha): [2, {"email": None}],
                                       str(duc): [2, {"phone": "0900000000"}],
                                       str(gone): [2, {"name": "Ai đó"}]},
                           "links": [[ha, ids["vip"]], [gone, ids["vip"]]],
                           "tags": [ids["vip"], gone]}),
        ("import_before", {"batch": ids["sales"], "kind": "purchases",
                           "purchases": [ids["p1"], ids["p2"]], "customers": [ha]}),
        ("import", {"batch": ids["legacy"], "kind": "purchases", "file": "cu.csv"}),
    ]
    for action, data in records:
        _insert(database, "audit_log", action=action, at=when,
                details=json.dumps({**data}, ensure_ascii=False))
    _insert(database, "audit_log", action="import_before", at=when, details="hỏng")
    code = _run(database, "SELECT code FROM customer WHERE id = ?", duc).fetchone()[0]
    _insert(database, "audit_log", action="erase", at="2026-06-02 08:00:00",
            details=f"personal data of {code}")
    return ids


def check_v2_import_records_converted(ids: dict[str, int], ha: int, duc: int) -> None:
    """After the upgrade: the records are rows of the new tables, and undo works on them."""
    from shopcrm.io import import_history

    changes = [(c.batch_id, c.customer_id, c.version_after, json.loads(c.old_values))
               for c in ImportChange.select()]
    assert changes == [(ids["update"], ha, 2, {"email": None})]  # not erased duc, not gone
    links = {(t.batch_id, t.customer_id, t.tag_id, t.tag_created) for t in ImportTagLink.select()}
    assert links == {(ids["update"], ha, ids["vip"], False), (ids["update"], None, ids["vip"], True)}
    assert {p.id for p in Purchase.select().where(Purchase.import_batch == ids["sales"])} == {
        ids["p1"], ids["p2"]}
    assert Purchase.select().where(Purchase.import_batch.is_null(False)).count() == 2
    kinds = {s.id: s.kind for s in import_history.list_imports()}
    assert {kinds[ids[n]] for n in ("sales", "legacy")} == {"purchases"}
    assert kinds[ids["update"]] == "customers"
    assert all(kind in ("customers", "purchases") for kind in kinds.values())
    assert not AuditLog.select().where(AuditLog.action == "import_before").exists()
    assert AuditLog.select().where(AuditLog.action.in_(["import", "erase"])).count() >= 2

    assert import_history.undo_import(ids["sales"]).purchases_removed == 2
    assert import_history.undo_import(ids["update"]).customers_restored == 1
    assert Customer.get_by_id(ha).email is None
    assert not Tag.select().where(Tag.id == ids["vip"]).exists()
    assert Customer.get_by_id(duc).phone != "0900000000"


def test_v2_fixture_upgrades_to_v3_and_keeps_import_undo(tmp_path):
    """SQLite: the version 2 fixture with ShopCRM 2's import records, upgraded in place."""
    copy = tmp_path / "schema_v2.db"
    shutil.copy(FIXTURES_BY_NAME["schema_v2.db"], copy)
    database = connection.connect(connection.sqlite_url(copy))
    ha = Customer.get(Customer.code == "KH000001").id
    duc = Customer.get(Customer.code == "KH000002").id
    with database.atomic():
        ids = add_v2_import_records(database, ha, duc)
    connection.close()
    before = table_counts(copy)

    open_database(connection.sqlite_url(copy))
    assert migrations.schema_version(connection.db.obj) == migrations.CURRENT_VERSION
    assert connection.db.execute_sql("PRAGMA foreign_key_check").fetchall() == []
    after = table_counts(copy)
    assert after["audit_log"] == before["audit_log"] - 3  # the three import_before rows
    assert {t: n for t, n in after.items() if t in before and t != "audit_log"} == {
        t: n for t, n in before.items() if t != "audit_log"}
    assert ImportBatch.get_by_id(1).file_name == "khach-hang.xlsx"  # v2's own batch
    check_v2_import_records_converted(ids, ha, duc)
    connection.close()


def downgrade_to_v2(database) -> None:
    """A version 3 database made back into version 2 (what ShopCRM 2 created), for the
    databases no fixture file can stand for (PostgreSQL)."""
    migrator = SchemaMigrator.from_database(database)
    # SQLite refuses DROP COLUMN of a foreign key: the table is rebuilt (legacy) there.
    legacy = {"legacy": True} if connection.is_sqlite(database) else {}
    with migrator.migration_context():
        database.drop_tables([ImportTagLink, ImportChange])
        run_operations(migrator.drop_column("purchase", "import_batch_id", **legacy),
                       migrator.drop_column("import_batch", "kind", **legacy))
        SchemaVersion.update(version=2).execute()


def test_v2_upgrades_to_v3_on_each_database_kind(db_url):
    from shopcrm.core import customers

    open_database(db_url)
    ha = customers.create({"name": "Nguyễn Thị Thu Hà", "phone": "0912345678"}).id
    duc = customers.create({"name": "Trần Văn Đức", "phone": "0987654321"}).id
    database = connection.db.obj
    downgrade_to_v2(database)
    assert "kind" not in {c.name for c in database.get_columns("import_batch")}
    with database.atomic():
        ids = add_v2_import_records(database, ha, duc)
    connection.close()

    database = open_database(db_url)
    assert migrations.schema_version(database) == migrations.CURRENT_VERSION
    check_v2_import_records_converted(ids, ha, duc)
    # The new foreign keys as declared: a batch gone leaves its purchases, takes its changes.
    batch = ImportBatch.create(file_name="x.csv", kind="purchases")
    bought = Purchase.create(customer=ha, date=dt.date(2026, 6, 3), amount=1, import_batch=batch)
    ImportChange.create(batch=batch, customer=ha, version_after=9, old_values="{}")
    ImportBatch.delete().where(ImportBatch.id == batch.id).execute()
    assert Purchase.get_by_id(bought.id).import_batch_id is None
    assert not ImportChange.select().where(ImportChange.version_after == 9).exists()
    connection.close()


def test_a_new_database_gets_the_current_version_at_once(db_url):
    database = open_database(db_url)
    assert migrations.schema_version(database) == migrations.CURRENT_VERSION == 4
    tables = set(database.get_tables())
    assert {"import_change", "import_tag_link"} <= tables
    assert "kind" in {c.name for c in database.get_columns("import_batch")}
    for table in ("purchase", "interaction", "feedback", "care_task"):
        assert ("import_batch_id",) in {tuple(i.columns) for i in database.get_indexes(table)}
    assert ("batch_id",) in {tuple(i.columns) for i in database.get_indexes("import_change")}
    connection.close()


# -- version 4: the records imports' batches -----------------------------------------------

RECORD_TABLES = ("interaction", "feedback", "care_task")


def test_v3_upgrades_to_v4_on_each_database_kind(db_url):
    from shopcrm.core import customers
    from shopcrm.db.models import Interaction

    open_database(db_url)
    ha = customers.create({"name": "Nguyễn Thị Thu Hà", "phone": "0912345678"})
    database = connection.db.obj
    migrator = SchemaMigrator.from_database(database)
    legacy = {"legacy": True} if connection.is_sqlite(database) else {}
    with migrator.migration_context():  # back to what ShopCRM 3 created
        run_operations(*[migrator.drop_column(table, "import_batch_id", **legacy)
                         for table in RECORD_TABLES])
        SchemaVersion.update(version=3).execute()
    database.execute_sql("INSERT INTO interaction (customer_id, at, kind, summary) "
                         f"VALUES ({ha.id}, '2026-05-01 08:00:00', 'call', 'Hỏi size')")
    connection.close()

    database = open_database(db_url)
    assert migrations.schema_version(database) == 4
    for table in RECORD_TABLES:
        assert ("import_batch_id",) in {tuple(i.columns) for i in database.get_indexes(table)}
    assert Interaction.get().import_batch_id is None  # typed before: no import of its own
    batch = ImportBatch.create(file_name="lien-he.csv", kind="interactions")
    Interaction.update(import_batch=batch).execute()
    ImportBatch.delete().where(ImportBatch.id == batch.id).execute()
    assert Interaction.get().import_batch_id is None  # ON DELETE SET NULL
    connection.close()
