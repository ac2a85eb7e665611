"""A mapping the user chose comes back for the next file with the same headers."""

from __future__ import annotations

from shopcrm.db.models import Setting
from shopcrm.io import imports
from shopcrm.io.mapping_memory import forget_mapping, remember_mapping, remembered_mapping

HEADERS = ["Tên khách", "Số máy", "Ghi chú", "Cột lạ"]


def test_nothing_is_remembered_at_first(db):
    assert remembered_mapping(HEADERS) is None


def test_a_mapping_is_remembered_for_the_same_headers_shop_wide(db):
    remember_mapping(HEADERS, {0: "name", 1: "phone", 2: "notes"})
    assert remembered_mapping(HEADERS) == {0: "name", 1: "phone", 2: "notes"}
    # Compared as the automatic mapping compares headers: tones, case and spaces aside.
    assert remembered_mapping(["TÊN KHÁCH", "so may", "Ghi  chú", "cot la"]) == {
        0: "name", 1: "phone", 2: "notes"}
    (row,) = Setting.select().where(Setting.key.startswith("import_mapping:"))
    assert len(row.key) == len("import_mapping:") + 40


def test_a_new_choice_replaces_the_old_one(db):
    remember_mapping(HEADERS, {0: "name", 1: "phone"})
    remember_mapping(HEADERS, {0: "name", 1: "phone2", 3: "zalo"})
    assert remembered_mapping(HEADERS) == {0: "name", 1: "phone2", 3: "zalo"}
    assert Setting.select().count() == 1


def test_other_headers_or_order_or_kind_are_another_layout(db):
    remember_mapping(HEADERS, {0: "name", 1: "phone"})
    assert remembered_mapping(HEADERS[:3]) is None
    assert remembered_mapping([HEADERS[1], HEADERS[0], *HEADERS[2:]]) is None
    assert remembered_mapping(HEADERS, kind="purchases") is None


def test_entries_that_no_longer_fit_are_dropped(db):
    remember_mapping(HEADERS, {0: "name", 1: "no_such_field"})
    assert remembered_mapping(HEADERS) == {0: "name"}
    forget_mapping(HEADERS)
    assert remembered_mapping(HEADERS) is None


def test_the_next_file_with_the_same_headers_opens_with_it(db, tmp_path):
    path = tmp_path / "so.csv"
    path.write_text("Tên khách,Số máy,Ghi chú,Cột lạ\nNguyễn Văn An,0912345678,quen,x\n",
                    encoding="utf-8")
    assert imports.plan_file(path).mapping == {0: "name", 2: "notes"}
    remember_mapping(HEADERS, {0: "name", 1: "phone", 3: "zalo"})
    plan = imports.plan_file(path)
    assert plan.mapping == {0: "name", 1: "phone", 3: "zalo"}
    assert plan.rows[0].values["phone"] == "0912345678"
