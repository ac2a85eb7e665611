"""Bulk writes: values as peewee would store them, counts, errors, and the caller's transaction."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid

import peewee
import pytest

from shopcrm.db import bulk, connection
from shopcrm.db.models import Customer, CustomerTag, Tag


class CsvField(peewee.TextField):
    """Stores a list as "a,b": a value only db_value makes storable."""

    def db_value(self, value):
        return ",".join(value) if isinstance(value, list) else value


class Thing(peewee.Model):
    name = peewee.CharField(unique=True)
    born = peewee.DateField(null=True)
    seen_at = peewee.DateTimeField(null=True)
    active = peewee.BooleanField(null=True)
    price = peewee.DecimalField(decimal_places=2, null=True)
    ref = peewee.UUIDField(null=True)
    parts = CsvField(null=True)
    tag = peewee.ForeignKeyField(Tag, null=True)
    version = peewee.IntegerField(null=True)

    class Meta:
        database = connection.db


FIELDS = ("name", "born", "seen_at", "active", "price", "ref", "parts", "tag", "version")


@pytest.fixture
def things(db):
    db.create_tables([Thing])
    return Thing


def raw(sql: str, *params) -> list[tuple]:
    return connection.db.execute_sql(sql, params).fetchall()


def test_dates_datetimes_bools_and_none_read_back_as_given(things):
    rows = [
        ("An", dt.date(1990, 2, 28), dt.datetime(2026, 5, 1, 8, 30, 15, 123456), True,
         None, None, None, None, 1),
        ("Bình", None, None, False, None, None, None, None, None),
        ["Cường", dt.date(2000, 1, 1), dt.datetime(2026, 1, 2, 3, 4, 5), None,
         None, None, None, None, 2],  # lists do as well as tuples
    ]
    assert bulk.insert_rows(Thing, FIELDS, iter(rows)) == 3
    got = {t.name: (t.born, t.seen_at, t.active, t.version) for t in Thing.select()}
    assert got == {"An": (dt.date(1990, 2, 28), dt.datetime(2026, 5, 1, 8, 30, 15, 123456),
                          True, 1),
                   "Bình": (None, None, False, None),
                   "Cường": (dt.date(2000, 1, 1), dt.datetime(2026, 1, 2, 3, 4, 5), None, 2)}
    # Stored exactly as peewee's own insert stores them (dates as ISO text in SQLite).
    Thing.insert(name="Dũng", born=dt.date(1990, 2, 28),
                 seen_at=dt.datetime(2026, 5, 1, 8, 30, 15, 123456), active=True).execute()
    assert raw("SELECT born, seen_at, active FROM thing WHERE name = 'An'") == \
        raw("SELECT born, seen_at, active FROM thing WHERE name = 'Dũng'")


def test_other_values_go_through_db_value(things):
    tag = Tag.create(name="VIP")
    ref = uuid.UUID("12345678-1234-5678-1234-567812345678")
    fields = [Thing.name, Thing.price, Thing.ref, Thing.parts, Thing.tag]  # Field objects do too
    rows = [("An", decimal.Decimal("349000.50"), ref, ["áo", "quần"], tag),
            ("Bình", None, None, "giày", tag.id)]
    assert bulk.insert_rows(Thing, fields, rows) == 2
    an = Thing.get(Thing.name == "An")
    assert (an.price, an.ref, an.parts, an.tag_id) == (
        decimal.Decimal("349000.50"), ref, "áo,quần", tag.id)
    # SQLite stores the UUID as hex text, PostgreSQL as its native uuid type.
    assert raw("SELECT ref, parts FROM thing WHERE name = 'An'") in (
        [(ref.hex, "áo,quần")], [(ref, "áo,quần")])
    assert Thing.get(Thing.name == "Bình").tag_id == tag.id


def test_nothing_to_write_is_zero_rows(things):
    assert bulk.insert_rows(Thing, FIELDS, []) == 0
    assert bulk.insert_rows(Thing, FIELDS, (row for row in ())) == 0
    assert bulk.update_rows(Thing, ["name"], ["id"], []) == 0
    assert Thing.select().count() == 0


def test_fields_with_defaults_must_be_given(db):
    with pytest.raises(ValueError, match="code|kind|version"):
        bulk.insert_rows(Customer, ["code", "name"], [("KH000001", "An")])
    assert Customer.select().count() == 0


def test_a_row_of_the_wrong_length_is_refused(things):
    with pytest.raises(ValueError):  # converted rows: checked here
        bulk.insert_rows(Thing, ["name", "parts"], [("An", ["a"], "extra")])
    # Plain rows: the driver says so (sqlite3 a ProgrammingError, psycopg2 a TypeError).
    with pytest.raises((peewee.ProgrammingError, TypeError)):
        bulk.insert_rows(Thing, ["name", "version"], [("An", 1, 2)])


def test_update_counts_the_rows_matched_so_a_changed_version_shows(things):
    bulk.insert_rows(Thing, ["name", "version"], [("An", 1), ("Bình", 1), ("Cường", 1)])
    ids = dict(Thing.select(Thing.name, Thing.id).tuples())
    Thing.update(version=2).where(Thing.name == "Bình").execute()  # saved elsewhere meanwhile
    rows = [(f"{name} mới", 2, ids[name], 1) for name in ("An", "Bình", "Cường")]
    assert bulk.update_rows(Thing, ["name", "version"], ["id", "version"], rows) == 2
    assert dict(Thing.select(Thing.id, Thing.name).tuples()) == {
        ids["An"]: "An mới", ids["Bình"]: "Bình", ids["Cường"]: "Cường mới"}


def test_update_converts_values_and_keys_with_db_value(things):
    tag = Tag.create(name="VIP")
    bulk.insert_rows(Thing, ["name", "tag"], [("An", tag)])
    assert bulk.update_rows(Thing, ["parts", "born"], [Thing.tag],
                            [(["a", "b"], dt.date(2001, 2, 3), tag)]) == 1
    an = Thing.get()
    assert (an.parts, an.born) == ("a,b", dt.date(2001, 2, 3))


def test_constraint_violations_raise_peewee_integrity_error(things):
    bulk.insert_rows(Thing, ["name"], [("An",)])
    with pytest.raises(peewee.IntegrityError):
        bulk.insert_rows(Thing, ["name"], [("Bình",), ("An",)])  # unique
    with pytest.raises(peewee.IntegrityError):
        bulk.insert_rows(Thing, ["name", "tag"], [("Cường", 999)])  # foreign key
    bulk.insert_rows(Thing, ["name"], [("Dũng",)])
    with pytest.raises(peewee.IntegrityError):
        bulk.update_rows(Thing, ["name"], ["name"], [("An", "Dũng")])


def test_ignore_conflicts_skips_duplicates_and_counts_only_rows_written(db):
    tags = [Tag.create(name=name).id for name in ("VIP", "Sỉ")]
    customer = Customer.create(code="KH000001", name="An")
    assert bulk.insert_rows(CustomerTag, ["customer", "tag"], [(customer, tags[0])]) == 1
    rows = [(customer, tags[0]), (customer, tags[1]), (customer, tags[1])]
    assert bulk.insert_rows(CustomerTag, ["customer", "tag"], rows, ignore_conflicts=True) == 1
    assert CustomerTag.select().count() == 2


def test_everything_follows_the_enclosing_transaction(things):
    bulk.insert_rows(Thing, ["name", "version"], [("An", 1)])
    with pytest.raises(RuntimeError):
        with connection.db.atomic():
            bulk.insert_rows(Thing, ["name", "version"], [("Bình", 1), ("Cường", 1)])
            bulk.update_rows(Thing, ["version"], ["name"], [(2, "An")])
            raise RuntimeError("cancelled")
    assert list(Thing.select(Thing.name, Thing.version).tuples()) == [("An", 1)]
    with connection.db.atomic() as transaction:  # and an explicit rollback
        bulk.insert_rows(Thing, ["name"], [("Dũng",)])
        transaction.rollback()
    assert Thing.select().count() == 1
    with connection.db.atomic():  # a failed bulk write in a savepoint spoils nothing else
        bulk.insert_rows(Thing, ["name"], [("Em",)])
        with pytest.raises(peewee.IntegrityError):
            with connection.db.atomic():
                bulk.insert_rows(Thing, ["name"], [("Giang",), ("An",)])
    assert sorted(Thing.select(Thing.name).tuples()) == [("An",), ("Em",)]


def test_postgresql_gets_its_own_sql(db):
    """No server needed: the statements are what peewee writes for PostgreSQL."""
    pg = peewee.PostgresqlDatabase("shop")
    connection.db.initialize(pg)
    try:
        insert = bulk._insert_sql(CustomerTag, (CustomerTag.customer, CustomerTag.tag), True,
                                  type(pg))
        update = bulk._update_sql(Customer, (Customer.name, Customer.version),
                                  (Customer.id, Customer.version), type(pg))
    finally:
        connection.db.initialize(db)
    assert insert == ('INSERT INTO "customer_tag" ("customer_id", "tag_id") VALUES (%s, %s) '
                      'ON CONFLICT DO NOTHING')  # and no RETURNING, which executemany refuses
    assert update == ('UPDATE "customer" SET "name" = %s, "version" = %s '
                      'WHERE "id" = %s AND "version" = %s')



def test_select_by_ids_reads_what_peewee_reads(things, monkeypatch):
    monkeypatch.setattr(bulk, "SELECT_CHUNK", 2)  # several pages, one shorter
    tag = Tag.create(name="VIP")
    rows = [(f"K{i}", dt.date(1990, 1, i + 1) if i % 2 else None,
             dt.datetime(2026, 5, 1, 8, i, 15, 123456), bool(i % 3) if i % 4 else None,
             None, None, "a,b", tag.id if i % 2 else None, i) for i in range(5)]
    bulk.insert_rows(Thing, FIELDS, rows)
    fields = [Thing.id, Thing.name, Thing.born, Thing.seen_at, Thing.active, Thing.tag,
              Thing.version]
    ids = [t for (t,) in Thing.select(Thing.id).order_by(Thing.id.desc()).tuples()][:4]
    expected = sorted(Thing.select(*fields).where(Thing.id.in_(ids)).tuples())
    assert sorted(bulk.select_by_ids(Thing, fields, ids)) == expected
    assert sorted(bulk.select_by_ids(Thing, ["name", "version"], iter(ids[:1]))) == \
        sorted(Thing.select(Thing.name, Thing.version).where(Thing.id == ids[0]).tuples())
    assert list(bulk.select_by_ids(Thing, fields, [])) == []
    assert sorted(bulk.select_by_ids(Thing, [Thing.tag, Thing.name], [tag.id], key=Thing.tag)) \
        == [(tag.id, "K1"), (tag.id, "K3")]


def _indexes(table: str) -> list[tuple[str, str]]:
    return sorted(raw("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                      "AND tbl_name = ? AND sql IS NOT NULL", table))


@pytest.fixture
def sqlite_only(db):
    if not isinstance(connection.db.obj, peewee.SqliteDatabase):
        pytest.skip("the indexes are deferred on SQLite only")
    return db


def test_a_big_insert_builds_the_indexes_afterwards_exactly_as_they_were(sqlite_only, monkeypatch):
    monkeypatch.setattr(bulk, "DEFER_INDEXES_MIN", 2)
    before = _indexes(CustomerTag._meta.table_name)
    assert any("UNIQUE" in sql for _, sql in before) and len(before) > 1
    tags = [(f"tag {n}",) for n in range(3)]
    with connection.db.atomic():
        bulk.insert_rows(Tag, ["name"], tags)
        with bulk.deferred_indexes(CustomerTag, 3):
            # only the unique index is left while the rows go in: it is a constraint
            assert [sql for _, sql in _indexes(CustomerTag._meta.table_name)] == [
                sql for _, sql in before if sql.startswith("CREATE UNIQUE")]
    assert _indexes(CustomerTag._meta.table_name) == before


def test_deferred_indexes_come_back_when_the_transaction_rolls_back(sqlite_only, monkeypatch):
    monkeypatch.setattr(bulk, "DEFER_INDEXES_MIN", 2)
    before = _indexes("customer")
    with pytest.raises(RuntimeError), connection.db.atomic():
        with bulk.deferred_indexes(Customer, 5):
            raise RuntimeError("cancelled")
    assert _indexes("customer") == before


def test_indexes_stay_for_a_small_insert_or_one_into_a_bigger_table(sqlite_only, monkeypatch):
    from shopcrm.core import customers

    before = _indexes("customer")
    with connection.db.atomic(), bulk.deferred_indexes(Customer, bulk.DEFER_INDEXES_MIN - 1):
        assert _indexes("customer") == before
    monkeypatch.setattr(bulk, "DEFER_INDEXES_MIN", 1)
    for name in ("An", "Bình", "Cường"):
        customers.create({"name": name})
    with connection.db.atomic(), bulk.deferred_indexes(Customer, 2):  # 2 rows into 3
        assert _indexes("customer") == before
    with connection.db.atomic(), bulk.deferred_indexes(Customer, 3):
        assert len(_indexes("customer")) < len(before)
