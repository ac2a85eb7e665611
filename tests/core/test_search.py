"""The search box: any part of a name without tones, phone digits, email, code, note.

Both databases (the `db` fixture): SQLite answers through its FTS5 trigram index,
PostgreSQL through pg_trgm (shopcrm.db.search_index); the results are the same.
"""

from __future__ import annotations

import pytest

from shopcrm.core import customers, listing
from shopcrm.db import bulk, connection, search_index
from shopcrm.db.models import Customer, utcnow


def add(name, **fields):
    return customers.create({"name": name, **fields}).id


@pytest.fixture
def shop(db):
    return {
        "ha": add("Nguyễn Thị Thu Hà", phone="0912 345 678", email="thuha@example.vn",
                  notes="Thích áo dài lụa màu xanh"),
        "duc": add("Trần Văn Đức", phone="+84 987 654 321", phone2="028 3822 1111"),
        "ngoc": add("Lê Ngọc Anh", email="ngocanh.le@gmail.com", notes="khách sỉ Đà Nẵng"),
        "hung": add("Phạm Hùng", phone="0355 000 123"),
        "org": add("Công ty TNHH Minh Phát", kind="organisation"),
    }


def test_the_index_exists_on_a_new_database(db):
    assert search_index.has_index(connection.db.obj)


def test_toneless_parts_of_names(shop):
    assert listing.find_ids("thu ha") == [shop["ha"]]
    assert listing.find_ids("NGUYỄN thu") == [shop["ha"]]
    assert listing.find_ids("guye") == [shop["ha"]]  # the middle of a word
    assert listing.find_ids("ngoc") == [shop["ngoc"]]
    assert listing.find_ids("minh phat") == [shop["org"]]
    assert listing.find_ids("ha thu") == [shop["ha"]]  # words in any order


def test_d_with_stroke_folds_to_d(shop):
    assert listing.find_ids("duc") == [shop["duc"]]
    assert listing.find_ids("Đức") == [shop["duc"]]
    assert listing.find_ids("tran van duc") == [shop["duc"]]


def test_phone_digits_in_any_format(shop):
    assert listing.find_ids("5678") == [shop["ha"]]  # the last digits are enough
    assert listing.find_ids("345 678") == [shop["ha"]]
    assert listing.find_ids("0912.345.678") == [shop["ha"]]
    assert listing.find_ids("+84912345678") == [shop["ha"]]
    assert listing.find_ids("654321") == [shop["duc"]]
    assert listing.find_ids("3822 1111") == [shop["duc"]]  # the second phone
    assert listing.find_ids("000 123") == [shop["hung"]]


def test_email_code_and_notes(shop):
    assert listing.find_ids("thuha@") == [shop["ha"]]
    assert listing.find_ids("gmail.com") == [shop["ngoc"]]
    assert listing.find_ids("kh000002") == [shop["duc"]]
    assert listing.find_ids("KH000004") == [shop["hung"]]
    assert listing.find_ids("ao dai") == [shop["ha"]]
    assert listing.find_ids("da nang") == [shop["ngoc"]]
    assert listing.find_ids("100%") == [] and listing.find_ids("k_0") == []


def test_one_and_two_characters(shop):
    # Two characters: the start of a word; one: anywhere.
    assert listing.find_ids("ha") == [shop["ha"]]
    assert set(listing.find_ids("ph")) == {shop["hung"], shop["org"]}
    assert listing.find_ids("uc") == []  # not the start of a word
    assert listing.find_ids("ng", limit=1) == [listing.find_ids("ng")[0]]
    assert set(listing.find_ids("z")) == set()
    assert set(listing.find_ids("ú")) >= {shop["hung"]}  # "hung": any u
    assert set(listing.find_ids("le ng")) == {shop["ngoc"]}


def test_results_in_vietnamese_name_order(db):
    ids = {name: add(name) for name in ("Nguyễn Văn Bình", "Trần Thị An", "Lê Văn Đức",
                                         "Phạm Văn Dũng", "Hoàng Văn Anh")}
    found = listing.find_ids("van")
    names = [Customer.get_by_id(i).name for i in found]
    # Given name first; Đ after D in the Vietnamese alphabet.
    assert names == ["Hoàng Văn Anh", "Nguyễn Văn Bình", "Phạm Văn Dũng", "Lê Văn Đức"]
    assert listing.find_ids("van", descending=True) == found[::-1]
    assert listing.find_ids("van", limit=2) == found[:2]
    assert listing.find_ids("an") == [ids["Trần Thị An"], ids["Hoàng Văn Anh"]]


def test_trashed_customers_are_not_found(shop):
    customers.trash([shop["duc"]], user="test")
    assert listing.find_ids("duc") == []
    assert listing.find_ids("duc", limit=200) == []
    assert listing.find_ids("duc", trashed=True) == [shop["duc"]]
    customers.restore([shop["duc"]], user="test")
    assert listing.find_ids("duc") == [shop["duc"]]


def test_an_updated_customer_is_found_by_its_new_name_only(shop):
    ha = customers.get(shop["ha"])
    customers.update(ha.id, {**customers.as_values(ha), "name": "Võ Thị Mỹ Duyên"}, ha.version)
    assert listing.find_ids("thu ha") == []
    assert listing.find_ids("my duyen") == [shop["ha"]]
    assert listing.find_ids("5678") == [shop["ha"]]


def test_a_purged_customer_leaves_the_index(shop):
    Customer.delete().where(Customer.id == shop["hung"]).execute()
    assert listing.find_ids("hung") == []
    assert listing.find_ids("000123") == []


def test_a_customer_inserted_in_bulk_is_found(db):
    """As the importer writes new customers: shopcrm.db.bulk's executemany."""
    now = utcnow()
    values = {"code": "KH000077", "name": "Đặng Thị Xuân Mai", "phone": "0977123456",
              "kind": "individual", "relation": "external", "role_buyer": True,
              "role_user": False, "role_beneficiary": False, "gender": "female",
              "created_at": now, "updated_at": now, "version": 1}
    values.update(customers.derived(values))
    fields = list(values)
    with connection.db.atomic():
        bulk.insert_rows(Customer, fields, [tuple(values[f] for f in fields)])
    mai = Customer.get(Customer.code == "KH000077").id
    assert listing.find_ids("xuan mai") == [mai]
    assert listing.find_ids("dang") == [mai]
    assert listing.find_ids("123456") == [mai]


def test_many_matches_come_in_order_with_a_limit(db):
    """Past the few-matches threshold the list's own index is walked to the limit."""
    names = [f"Nguyễn Văn Khách {i:04d}" for i in range(60)]
    with connection.db.atomic():
        for name in names:
            add(name)
    everyone = listing.find_ids("khach")
    assert len(everyone) == 60
    old = listing._FEW
    try:
        for few in (0, 10_000):
            listing._FEW = few
            assert listing.find_ids("khach", limit=25) == everyone[:25]
            assert listing.find_ids("khach", limit=25, descending=True) == everyone[::-1][:25]
            assert listing.find_ids("kh", limit=25) == everyone[:25]
    finally:
        listing._FEW = old


def _drop_index(database) -> None:
    if search_index.is_sqlite(database):
        for suffix in ("ai", "ad", "au"):
            database.execute_sql(f"DROP TRIGGER {search_index.FTS_TABLE}_{suffix}")
        database.execute_sql(f"DROP TABLE {search_index.FTS_TABLE}")
    else:
        database.execute_sql(f"DROP INDEX {search_index.PG_INDEX}")


def test_without_the_index_the_search_still_works(shop):
    """A PostgreSQL server without pg_trgm rights: the same search, scanning."""
    _drop_index(connection.db.obj)
    assert not search_index.has_index(connection.db.obj)
    assert listing.find_ids("thu ha") == [shop["ha"]]
    assert listing.find_ids("5678", limit=10) == [shop["ha"]]
    assert set(listing.find_ids("ph")) == {shop["hung"], shop["org"]}


def test_the_upgrade_to_version_2_builds_the_index_from_existing_rows(shop, db_url):
    """A version 1 database (no index) is upgraded: its customers are found through it."""
    from shopcrm.db import migrations
    from shopcrm.db.models import SchemaVersion
    from shopcrm.db.session import open_database

    _drop_index(connection.db.obj)
    SchemaVersion.update(version=1).execute()
    connection.close()
    open_database(db_url)
    assert migrations.schema_version(connection.db.obj) == migrations.CURRENT_VERSION >= 2
    assert search_index.has_index(connection.db.obj)
    assert listing.find_ids("thu ha") == [shop["ha"]]
    assert listing.find_ids("654321", limit=200) == [shop["duc"]]
    add("Nguyễn Thu Hằng")
    assert len(listing.find_ids("nguyen thu")) == 2
