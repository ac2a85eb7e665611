"""Copying a shop to another, empty database (shopcrm migrate-to): SQLite <-> PostgreSQL.

Every table identical (ids and links kept), the target usable at once (search,
next id and code), a non-empty target refused, a failure leaving nothing behind.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import closing
from dataclasses import dataclass

import peewee
import pytest

from shopcrm.cli import main
from shopcrm.core import customers, demo, listing, settings
from shopcrm.db import connection, search_index, transfer
from shopcrm.db.migrations import CURRENT_VERSION
from shopcrm.db.models import (
    ALL_MODELS, AuditLog, CareRule, CareTask, Customer, ImportBatch, ImportChange, ImportTagLink,
    Purchase, SchemaVersion, Tag,
)
from shopcrm.db.session import open_database

TODAY = dt.date(2026, 5, 15)


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table of the bound database, read through the models."""
    tables = {}
    for model in ALL_MODELS:
        if model is SchemaVersion:  # each database keeps its own stamp
            continue
        rows = (tuple(_normal(v) for v in row) for row in model.select().tuples())
        tables[model._meta.table_name] = sorted(rows, key=repr)
    return tables


def _normal(value):
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class Shop:
    url: str
    rows: dict[str, list[tuple]]
    referrals: dict[int, int]  # customer id -> referrer id
    huong: int
    found: list[int]  # what a search without diacritics finds in the shop
    trashed: int
    max_id: int
    next_code: str


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Shop:
    """An SQLite shop with data in every table, a referral to a later customer and the trash."""
    url = connection.sqlite_url(tmp_path_factory.mktemp("transfer") / "source.db")
    open_database(url)
    try:
        demo.generate(200, seed=3, today=TODAY)
        huong = customers.create({"name": "Đỗ Thị Hương", "phone": "0912 345 678",
                                  "birthday": dt.date(1990, 2, 28), "referred_by": 5}).id
        # Referred by a customer with a higher id: rows must not be inserted in id order alone.
        Customer.update(referred_by=huong).where(Customer.id == 1).execute()
        trashed = customers.create({"name": "Phạm Văn Bỏ"}).id
        customers.trash([trashed], user="test")
        batch = ImportBatch.create(file_name="khách.xlsx", mapping='{"Tên": "name"}')
        Customer.update(import_batch=batch).where(Customer.id == 2).execute()
        # What import undo keeps (schema 3): old values as JSON text, a created tag (customer
        # NULL), the purchases of a purchases import.
        ImportChange.create(batch=batch, customer=4, version_after=2,
                            old_values='{"name": "Lê Thị \\"Cũ\\"", "birthday": null}')
        tag = Tag.create(name="Nhập từ file")
        ImportTagLink.create(batch=batch, customer=4, tag=tag)
        ImportTagLink.create(batch=batch, tag=tag, tag_created=True)
        sales = ImportBatch.create(file_name="bán hàng.csv", kind="purchases")
        Purchase.update(import_batch=sales).where(Purchase.id.in_([1, 2])).execute()
        # Text that CSV and COPY must carry as it is: separators, quotes, escapes, '' vs NULL.
        Customer.update(notes='dòng 1\ndòng 2\r\n, "trích" \\N \\ \t;', address="",
                        ward=None, email="a,b@example.com").where(Customer.id == 3).execute()
        rule = CareRule.create(name="Chúc mừng sinh nhật", trigger="birthday",
                               task_type="birthday", enabled=False)
        CareTask.create(customer=huong, due_date=TODAY, due_time=dt.time(9, 30), rule=rule,
                        source_key="birthday:x")
        settings.put("shop_name", "Cửa hàng Hoa Mai")
        rows = snapshot()
        referrals = {c.id: c.referred_by_id for c in Customer.select()
                     .where(Customer.referred_by.is_null(False))}
        max_id = Customer.select(peewee.fn.MAX(Customer.id)).scalar()
        next_code = customers.next_code()
        found = listing.find_ids("huong do")
    finally:
        connection.close()
    assert all(rows.values()), "every table holds rows"
    assert huong in found
    return Shop(url, rows, referrals, huong, found, trashed, max_id, next_code)


@pytest.fixture(autouse=True)
def _closed():
    yield
    connection.close()


def copy(source_url: str, target_url: str, progress=None) -> dict[str, int]:
    open_database(source_url)
    try:
        return transfer.copy_database(connection.db.obj, target_url, progress)
    finally:
        connection.close()


def expected_counts(shop: Shop) -> dict[str, int]:
    return {table: len(rows) for table, rows in shop.rows.items()}


def check_target(shop: Shop, url: str) -> None:
    """The copy holds exactly the shop, and works as a shop."""
    open_database(url)
    assert snapshot() == shop.rows
    assert [v for (v,) in SchemaVersion.select(SchemaVersion.version).tuples()] == [CURRENT_VERSION]
    assert {c.id: c.referred_by_id for c in Customer.select()
            .where(Customer.referred_by.is_null(False))} == shop.referrals
    assert Customer.get_by_id(1).referred_by.id == shop.huong
    assert listing.find_ids("huong do") == shop.found  # folded search, no diacritics
    # The search index (SQLite FTS5 / PostgreSQL pg_trgm) came with the schema and holds
    # the copied rows: found through it by a part of the phone and of the name.
    assert search_index.has_index(connection.db.obj)
    assert shop.huong in listing.find_ids("345 678", limit=200)
    assert shop.huong in listing.find_ids("uong do", limit=200)
    assert listing.find_ids("bo", trashed=True) == [shop.trashed]
    assert shop.trashed not in listing.find_ids("")
    new = customers.create({"name": "Lê Văn Mới"})
    assert (new.id, new.code) == (shop.max_id + 1, shop.next_code)
    AuditLog.create(action="test")  # every table's ids go on (PostgreSQL sequences reset)
    connection.close()


def test_sqlite_to_postgresql(shop, fresh_pg_url):
    seen = []
    counts = copy(shop.url, fresh_pg_url, lambda done, total: seen.append((done, total)))
    assert counts == expected_counts(shop)
    total = sum(counts.values())
    assert seen[-1] == (total, total) and all(t == total for _, t in seen)
    check_target(shop, fresh_pg_url)


def test_postgresql_to_sqlite(shop, fresh_pg_url, tmp_path):
    copy(shop.url, fresh_pg_url)
    target = connection.sqlite_url(tmp_path / "back.db")
    assert copy(fresh_pg_url, target) == expected_counts(shop)
    check_target(shop, target)


def test_sqlite_to_sqlite(shop, tmp_path):
    target = connection.sqlite_url(tmp_path / "sub" / "copy.db")
    assert copy(shop.url, target) == expected_counts(shop)
    check_target(shop, target)


def schema(url: str) -> list[tuple]:
    """Every table, index and constraint definition of the database at `url`."""
    database = connection.open_url(url)
    try:
        if isinstance(database, peewee.SqliteDatabase):
            sql = "SELECT type, name, tbl_name, sql FROM sqlite_master"
        else:
            sql = ("SELECT tablename, indexname, indexdef FROM pg_indexes "
                   "WHERE schemaname = current_schema() UNION ALL "
                   "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                   "FROM pg_constraint WHERE connamespace = current_schema()::regnamespace")
        return sorted(database.execute_sql(sql).fetchall())
    finally:
        database.close()


def test_an_opened_but_empty_shop_is_a_valid_target_and_keeps_its_schema(shop, db_url):
    open_database(db_url)  # the schema and its stamp, no data
    connection.close()
    before = schema(db_url)
    assert copy(shop.url, db_url) == expected_counts(shop)
    # Indexes and foreign keys were dropped for the load and made again: the same.
    assert schema(db_url) == before
    check_target(shop, db_url)


def test_a_target_with_data_is_refused_and_left_unchanged(shop, db_url):
    open_database(db_url)
    customers.create({"name": "Khách Của Tiệm Khác"})
    before = snapshot()
    connection.close()
    with pytest.raises(transfer.TransferError, match="not empty"):
        copy(shop.url, db_url)
    open_database(db_url)
    assert snapshot() == before


def test_a_target_with_other_tables_is_refused(shop, tmp_path):
    path = tmp_path / "other.db"
    with closing(sqlite3.connect(path)) as raw:
        raw.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    with pytest.raises(transfer.TransferError, match="not empty"):
        copy(shop.url, connection.sqlite_url(path))
    with closing(sqlite3.connect(path)) as raw:
        tables = raw.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
    assert tables == [("invoices",)]


def _tables(url: str) -> dict[str, int]:
    """Tables of the database at `url` and their rows, looked at apart from the app."""
    database = connection.open_url(url)
    try:
        return {t: database.execute_sql(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]
                for t in database.get_tables()}
    finally:
        database.close()


@pytest.mark.parametrize("failure", ["error", "count"])
def test_a_failure_midway_leaves_the_target_empty(shop, db_url, monkeypatch, failure):
    copy_table, count = transfer._copy_table, transfer._count

    def failing_copy(source, target, model):
        if model is Purchase:  # after the customers, tags and more were written
            raise peewee.OperationalError("server closed the connection unexpectedly")
        yield from copy_table(source, target, model)

    def wrong_count(database, model):  # the target seems to have lost a row
        found = count(database, model)
        return found - 1 if model is Purchase and database is not connection.db.obj else found

    if failure == "error":
        monkeypatch.setattr(transfer, "_copy_table", failing_copy)
    else:
        monkeypatch.setattr(transfer, "_count", wrong_count)
    with pytest.raises(transfer.TransferError, match="purchase"):
        copy(shop.url, db_url)
    path = connection.sqlite_path(db_url)
    if path is not None:
        assert not path.exists()  # the file made for the copy is gone
    else:
        assert _tables(db_url) == {}  # even the schema was rolled back
    monkeypatch.undo()
    assert copy(shop.url, db_url) == expected_counts(shop)  # and it can be tried again


def altered_copy(shop: Shop, path, *statements: str) -> str:
    """A copy of the shop's file changed by raw SQL (foreign keys not enforced)."""
    with closing(sqlite3.connect(connection.sqlite_path(shop.url))) as raw, \
            closing(sqlite3.connect(path)) as copy_:
        raw.backup(copy_)
        for statement in statements:
            copy_.execute(statement)
        copy_.commit()
    return connection.sqlite_url(path)


def test_rows_that_break_a_link_are_refused_and_nothing_is_written(shop, db_url, tmp_path):
    """An old file written without foreign keys enforced: the target says no, as a whole."""
    source = altered_copy(shop, tmp_path / "orphan.db", "INSERT INTO purchase (customer_id, "
                          "date, amount, channel, created_at) VALUES (99999, '2026-01-01', 1, "
                          "'store', '2026-01-01 00:00:00')")
    with pytest.raises(transfer.TransferError, match="purchase"):
        copy(source, db_url)
    path = connection.sqlite_path(db_url)
    assert not path.exists() if path is not None else _tables(db_url) == {}


def test_a_source_at_an_older_schema_is_refused(shop, tmp_path):
    old = altered_copy(shop, tmp_path / "old.db",
                       f"UPDATE schema_version SET version = {CURRENT_VERSION - 1}")
    source = connection.open_url(old)
    target = tmp_path / "new.db"
    try:
        with pytest.raises(transfer.TransferError, match="upgrade"):
            transfer.copy_database(source, connection.sqlite_url(target))
    finally:
        source.close()
    assert not target.exists()


def test_command_line(shop, db_url, capsys):
    assert main(["--db", shop.url, "migrate-to", db_url]) == 0
    out = capsys.readouterr().out
    assert f"customer: {len(shop.rows['customer'])}" in out
    assert out.strip().splitlines()[-1] == f"copied to {connection.redact(db_url)}"
    if "@" in db_url:
        assert "***" in out and connection.redact(db_url) != db_url
    assert main(["--db", shop.url, "migrate-to", db_url]) == 2  # not empty any more
    assert "not empty" in capsys.readouterr().err
    check_target(shop, db_url)
