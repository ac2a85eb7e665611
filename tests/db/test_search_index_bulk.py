"""The import fills the SQLite search index batch by batch (search_index.bulk_writes):
its triggers are dropped inside the import's transaction and made again. Whatever
happens, the triggers are there afterwards and the index holds exactly the customers
as stored: after a finished import, a cancelled one, a failed one and a dry run."""

from __future__ import annotations

from pathlib import Path

import pytest

from shopcrm.core import customers
from shopcrm.db import bulk, connection, search_index
from shopcrm.db.connection import db
from shopcrm.db.models import Customer
from shopcrm.db.session import open_database
from shopcrm.io import import_writer
from shopcrm.io.importer import ImportCancelled, plan_import, run_import

FTS = search_index.FTS_TABLE


@pytest.fixture
def shop_db(tmp_path, monkeypatch):
    open_database("sqlite:///" + str(tmp_path / "shop.db"))
    customers.create({"name": "Khách Cũ", "phone": "0912345678", "email": "cu@example.com"})
    customers.create({"name": "Trần Thị Lan", "phone": "0987000111"})
    # The imports here (39 new customers) then also rebuild the other indexes, as a big one does.
    monkeypatch.setattr(bulk, "DEFER_INDEXES_MIN", 1)
    _SCHEMA["indexes"] = indexes()
    yield
    connection.close()


_SCHEMA: dict[str, list] = {}  # the indexes as shop_db made them


def indexes() -> list[tuple[str, str]]:
    return sorted(db.execute_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL").fetchall())


def write_csv(path: Path) -> Path:
    lines = ["Họ tên,SĐT,Email,Nhóm"]
    lines += [f"Nguyễn Văn Khách {i},09{i:08d},k{i}@example.com,VIP" for i in range(1, 40)]
    lines += ["Khách Cũ Đổi Tên,0912345678,moi@example.com,"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def triggers() -> list[str]:
    return sorted(name for (name,) in db.execute_sql(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'customer'"))


def assert_index_matches() -> None:
    """Every trigger and index there; one search entry per customer, found by its whole key."""
    assert triggers() == sorted(search_index.trigger_names())
    assert indexes() == _SCHEMA["indexes"]
    assert db.execute_sql("PRAGMA integrity_check").fetchall() == [("ok",)]
    db.execute_sql(f"INSERT INTO {FTS}({FTS}) VALUES ('integrity-check')")
    rows = db.execute_sql("SELECT id, search_key FROM customer ORDER BY id").fetchall()
    indexed = [rowid for (rowid,) in db.execute_sql(f"SELECT rowid FROM {FTS} ORDER BY rowid")]
    assert indexed == [cid for cid, _ in rows]
    for cid, key in rows:
        phrase = '"' + (" " + key).replace('"', '""') + '"'
        found = [rowid for (rowid,) in db.execute_sql(
            f"SELECT rowid FROM {FTS} WHERE {FTS} MATCH ?", (phrase,))]
        assert found == [cid], (key, found)


def matching(text: str) -> list[int]:
    phrase = '"' + text + '"'
    return [rowid for (rowid,) in db.execute_sql(
        f"SELECT rowid FROM {FTS} WHERE {FTS} MATCH ?", (phrase,))]


@pytest.mark.parametrize("policy", ["skip", "update", "create"])
def test_a_finished_import_leaves_the_triggers_and_a_matching_index(tmp_path, shop_db, policy,
                                                                     monkeypatch):
    monkeypatch.setattr(import_writer, "INSERT_BATCH", 7)  # several batches
    monkeypatch.setattr(import_writer, "UPDATE_BATCH", 1)
    old = Customer.get(Customer.phone == "0912345678")
    result = run_import(plan_import(write_csv(tmp_path / "kh.csv")), policy)
    assert result.created == (40 if policy == "create" else 39)
    assert_index_matches()
    if policy == "update":  # the old key left the index with the old values
        assert matching("moi@example") == [old.id] and matching("cu@example") == []
        assert matching("doi ten") == [old.id]
    else:
        assert matching("cu@example") == [old.id]
    # Written afterwards one by one: the triggers keep the index in step again.
    made = customers.create({"name": "Phạm Văn Sau", "phone": "0977000222"})
    customers.update(made.id, {"name": "Phạm Văn Sáu Mới"}, made.version)
    assert matching("sau moi") == [made.id]
    assert_index_matches()


def test_an_import_updating_every_customer_leaves_the_indexes_as_they_were(tmp_path, shop_db):
    path = tmp_path / "kh.csv"
    path.write_text("Họ tên,SĐT,Tỉnh\nKhách Cũ Mới,0912345678,Huế\nTrần Thị Lan Anh,0987000111,Huế\n",
                    encoding="utf-8")
    result = run_import(plan_import(path), "update")
    assert (result.created, result.updated) == (0, 2)
    assert Customer.select().where(Customer.province == "Huế").count() == 2  # the index is used
    assert matching("lan anh") == [Customer.get(Customer.phone == "0987000111").id]
    assert_index_matches()


def test_a_cancelled_import_leaves_the_triggers_and_the_index_as_they_were(tmp_path, shop_db,
                                                                          monkeypatch):
    monkeypatch.setattr(import_writer, "INSERT_BATCH", 5)
    monkeypatch.setattr(import_writer, "UPDATE_BATCH", 1)
    plan = plan_import(write_csv(tmp_path / "kh.csv"))
    before = db.execute_sql(f"SELECT rowid FROM {FTS} ORDER BY rowid").fetchall()
    calls = []

    def cancel():
        calls.append(1)
        return len(calls) > 5  # some batches were written and indexed

    with pytest.raises(ImportCancelled):
        run_import(plan, "update", cancel=cancel)
    assert db.execute_sql(f"SELECT rowid FROM {FTS} ORDER BY rowid").fetchall() == before
    assert Customer.select().count() == 2
    assert_index_matches()


@pytest.mark.parametrize("failing", ["_link_tags", "_apply_updates"])
def test_a_failed_import_leaves_the_triggers_and_the_index_as_they_were(tmp_path, shop_db,
                                                                       monkeypatch, failing):
    plan = plan_import(write_csv(tmp_path / "kh.csv"))
    original = getattr(import_writer._Run, failing)

    def boom(self, *args):
        original(self, *args)  # the work is done (rows written and indexed), then it fails
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(import_writer._Run, failing, boom)
    with pytest.raises(RuntimeError):
        run_import(plan, "update")
    assert Customer.select().count() == 2
    assert matching("cu@example") == [Customer.get(Customer.phone == "0912345678").id]
    assert_index_matches()


def test_a_dry_run_leaves_the_triggers_and_the_index_as_they_were(tmp_path, shop_db):
    result = run_import(plan_import(write_csv(tmp_path / "kh.csv")), "update", dry_run=True)
    assert (result.created, result.updated) == (39, 1)
    assert Customer.select().count() == 2
    assert matching("moi@example") == []
    assert_index_matches()


def test_a_database_whose_triggers_differ_is_left_alone(tmp_path, shop_db):
    db.execute_sql(f"DROP TRIGGER {FTS}_au")
    with db.atomic(), search_index.bulk_writes(db.obj) as index:
        assert index.database is None
    assert f"{FTS}_au" not in triggers() and f"{FTS}_ai" in triggers()
