"""Tone-less folding and the Vietnamese order of names."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from shopcrm.core.names import sort_key, split_name
from shopcrm.core.text import fold, nfc


def test_fold_drops_tones_and_folds_d():
    assert fold("Nguyễn Thị Thu Hà") == "nguyen thi thu ha"
    assert fold("ĐẶNG   Đức") == "dang duc"


def test_fold_and_nfc_accept_decomposed_text():
    decomposed = unicodedata.normalize("NFD", "Lê Ánh Tuyết")
    assert nfc(decomposed) == "Lê Ánh Tuyết"
    assert fold(decomposed) == "le anh tuyet"


@given(st.text())
def test_fold_is_idempotent_ascii_lowercase_for_vietnamese(text):
    assert fold(fold(text)) == fold(text)


def test_split_name():
    assert split_name("Nguyễn Thị Thu Hà") == ("Nguyễn", "Thị Thu", "Hà")
    assert split_name("Hà") == ("", "", "Hà")


def test_people_sort_by_given_name_then_middle_then_family():
    names = ["Trần Văn Bình", "Nguyễn Thị Hà", "Lê An", "Phạm Thị Hà", "Nguyễn Văn Hà"]
    assert sorted(names, key=sort_key) == [
        "Lê An", "Trần Văn Bình", "Nguyễn Thị Hà", "Phạm Thị Hà", "Nguyễn Văn Hà",
    ]


def test_vietnamese_letter_order_not_code_points():
    # a < ă < â < b … d < đ < e < ê … o < ô < ơ … u < ư
    given_names = ["Ân", "Ăn", "An", "Bảo", "Đức", "Dũng", "Em", "Ên", "Ơn", "Ôn", "Ong", "Ưng", "Ung"]
    ordered = sorted((f"Lê {g}" for g in given_names), key=sort_key)
    assert [n.split()[1] for n in ordered] == [
        "An", "Ăn", "Ân", "Bảo", "Dũng", "Đức", "Em", "Ên", "Ong", "Ôn", "Ơn", "Ung", "Ưng",
    ]


def test_tones_order_after_letters():
    # ngang, huyền, hỏi, ngã, sắc, nặng; and a tone never outranks a letter
    tones = ["Hạ", "Há", "Hã", "Hả", "Hà", "Ha"]
    assert sorted((f"Lê {t}" for t in tones), key=sort_key) == [
        "Lê Ha", "Lê Hà", "Lê Hả", "Lê Hã", "Lê Há", "Lê Hạ",
    ]
    assert sort_key("Lê Hạ") < sort_key("Lê Hai")


def test_organisations_sort_as_written():
    assert sort_key("Công ty An Phát", organisation=True) < sort_key("Cửa hàng Bình", organisation=True)


def test_keys_are_digits_so_every_database_collation_agrees():
    assert sort_key("Nguyễn Thị Thu Hà").isdigit()
