"""Phone numbers: normalising the ways shops write them, display, search digits."""

import phonenumbers
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from shopcrm.core.errors import ValidationError
from shopcrm.core.phones import (
    OLD_MOBILE_PREFIXES,
    PhoneError,
    format_phone,
    is_mobile,
    normalize_phone,
    search_digits,
)

# Quyết định 798/QĐ-BTTTT (25/5/2018), written out again on purpose: a typo in the module's
# table must not be copied into its test.
CONVERSIONS_2018 = {
    "0120": "070", "0121": "079", "0122": "077", "0126": "076", "0128": "078",
    "0123": "083", "0124": "084", "0125": "085", "0127": "081", "0129": "082",
    "0162": "032", "0163": "033", "0164": "034", "0165": "035",
    "0166": "036", "0167": "037", "0168": "038", "0169": "039",
    "0186": "056", "0188": "058", "0199": "059",
}


@pytest.mark.parametrize(
    "raw",
    [
        "0912345678", "0912 345 678", "0912.345.678", "0912-345-678", "091 234 5678",
        "(0912) 345 678", "  0912345678  ", "+84912345678", "+84 912 345 678",
        "(+84) 912 345 678", "(+84)912345678", "+84 (0) 912 345 678", "+840912345678",
        "84912345678", "84 912 345 678", "0084912345678", "0084 912 345 678",
        "912345678", "912 345 678", "912345678.0", "０９１２３４５６７８",
        912345678, 912345678.0,
    ],
)
def test_the_ways_shops_write_a_mobile(raw):
    assert normalize_phone(raw) == "0912345678"


@pytest.mark.parametrize("old, new", sorted(CONVERSIONS_2018.items()))
def test_every_2018_prefix_is_converted_in_every_form(old, new):
    assert OLD_MOBILE_PREFIXES == CONVERSIONS_2018
    expected = new + "9123456"
    old_number = old + "9123456"
    for raw in [
        old_number,
        f"{old} 912 3456",
        f"{old}.912.3456",
        "+84" + old_number[1:],
        "+84 " + old_number[1:4] + " 912 3456",
        "84" + old_number[1:],
        "0084" + old_number[1:],
        old_number[1:],  # the spreadsheet lost the 0
        int(old_number),
        float(old_number),
    ]:
        assert normalize_phone(raw) == expected, raw


def test_an_old_prefix_is_kept_when_the_number_already_has_the_new_length():
    # 0868…, 0888…, 0981… are current 10-digit mobiles, not mangled by the table.
    assert normalize_phone("0868123456") == "0868123456"
    assert normalize_phone("0888123456") == "0888123456"
    assert normalize_phone("868123456") == "0868123456"


@pytest.mark.parametrize(
    "raw, canonical, shown",
    [
        ("024 3825 1234", "02438251234", "024 3825 1234"),
        ("(024) 3825.1234", "02438251234", "024 3825 1234"),
        ("+84 24 3825 1234", "02438251234", "024 3825 1234"),
        ("842438251234", "02438251234", "024 3825 1234"),
        (2438251234, "02438251234", "024 3825 1234"),
        ("028 3822 1234", "02838221234", "028 3822 1234"),
        ("028-3822-1234", "02838221234", "028 3822 1234"),
        ("0251 3822 123", "02513822123", "0251 3822 123"),
        ("0251.3822.123", "02513822123", "0251 3822 123"),
        (2513822123.0, "02513822123", "0251 3822 123"),
    ],
)
def test_landlines(raw, canonical, shown):
    assert normalize_phone(raw) == canonical
    assert format_phone(canonical) == shown
    assert not is_mobile(canonical)


@pytest.mark.parametrize(
    "raw, canonical, shown",
    [
        ("+1 415 555 2671", "+14155552671", "+1 415-555-2671"),
        ("+1 (415) 555-2671", "+14155552671", "+1 415-555-2671"),
        ("001 415 555 2671", "+14155552671", "+1 415-555-2671"),
        ("+44 20 7946 0958", "+442079460958", "+44 20 7946 0958"),
        ("+82 10-1234-5678", "+821012345678", "+82 10-1234-5678"),
        ("+33 6 12 34 56 78", "+33612345678", "+33 6 12 34 56 78"),
    ],
)
def test_foreign_numbers_are_e164_and_shown_international(raw, canonical, shown):
    assert normalize_phone(raw) == canonical
    assert format_phone(canonical) == shown


@pytest.mark.parametrize("raw", [None, "", "   ", "\t\n"])
def test_blank_is_none(raw):
    assert normalize_phone(raw) is None


def test_mobile_display_and_kind():
    assert format_phone("0912345678") == "0912 345 678"
    assert format_phone("0389123456") == "0389 123 456"
    assert is_mobile("0912345678")
    assert is_mobile("+821012345678")
    assert not is_mobile("+442079460958")


@pytest.mark.parametrize("empty", [None, ""])
def test_format_and_kind_of_nothing(empty):
    assert format_phone(empty) == ""
    assert not is_mobile(empty)


def test_format_shows_a_non_canonical_value_as_it_is():
    assert format_phone("not a phone") == "not a phone"


@pytest.mark.parametrize(
    "raw, words",
    [
        ("abc", "contains letters"),
        ("0912-abc", "contains letters"),
        ("0912 345 678 ext", "contains letters"),
        ("0912#345678", "write only digits"),
        ("0912*345*678", "write only digits"),
        ("091234567", "too short"),
        ("12345", "too short"),
        (12345, "too short"),
        ("0912345678901", "too long"),
        ("9" * 40, "too long"),
        ("01101234567", "0110 is not one of the prefixes"),
        ("01301234567", "0130 is not one of the prefixes"),
        ("0112345678", "not a valid phone number"),
        ("02012345678", "not a valid phone number"),
        ("+999 1234 5678", "not a valid international phone number"),
        ("+1 415 555", "not a valid international phone number"),
        ("+", "write only digits"),
        (912345678.5, "not a valid phone number"),
        (-912345678, "not a valid phone number"),
        (float("nan"), "not a valid phone number"),
        (float("inf"), "not a valid phone number"),
        (True, "not a valid phone number"),
    ],
)
def test_errors_say_why(raw, words):
    with pytest.raises(PhoneError) as caught:
        normalize_phone(raw)
    error = caught.value
    assert isinstance(error, ValidationError)
    assert words in str(error)
    assert "{phone}" in error.message  # the template, translated by the UI
    assert error.params["phone"] == str(raw).strip()


def test_old_prefix_error_names_the_prefix():
    with pytest.raises(PhoneError) as caught:
        normalize_phone("0110 123 4567")
    assert caught.value.params == {"phone": "0110 123 4567", "prefix": "0110"}


def test_excel_float_zero_is_not_a_digit():
    assert normalize_phone(389123456.0) == "0389123456"
    assert normalize_phone("389123456.00") == "0389123456"


@pytest.mark.parametrize(
    "query, digits",
    [
        ("0912.345", "0912345"),
        ("0912 345 678", "0912345678"),
        ("345-678", "345678"),
        ("+84 912", "0912"),
        ("+84 (0) 912", "0912"),
        ("0084 912 345", "0912345"),
        ("84912345678", "0912345678"),
        ("842438251234", "02438251234"),
        ("849", "849"),  # may be the middle of 0984 9…: not a country code
        ("8491234", "8491234"),
        ("01689123456", "0389123456"),
        ("nguyễn", ""),
        ("", ""),
    ],
)
def test_search_digits(query, digits):
    assert search_digits(query) == digits


# --- properties -------------------------------------------------------------------------


def _valid_vn(national: str) -> bool:
    number = phonenumbers.parse(national, "VN")
    return phonenumbers.is_valid_number(number)


vn_mobiles = st.builds(
    lambda head, tail: "0" + head + tail,
    st.sampled_from("35789"),
    st.text("0123456789", min_size=8, max_size=8),
).filter(_valid_vn)

vn_landlines = st.text("0123456789", min_size=9, max_size=9).map(lambda tail: "02" + tail).filter(_valid_vn)


def _examples() -> list[str]:
    found = set()
    for region in phonenumbers.SUPPORTED_REGIONS - {"VN"}:
        for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE):
            number = phonenumbers.example_number_for_type(region, kind)
            if number is not None and number.country_code != 84:
                found.add(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    return sorted(found)


foreign = st.sampled_from(_examples())
canonical_phones = st.one_of(vn_mobiles, vn_landlines, foreign)


@given(st.one_of(st.text(), st.text("0123456789 +-.()/84abc#", max_size=30)))
@example("0084")
@example("+84")
@example("00")
@example("0")
@example("\x00")
@example("٠٩١٢٣٤٥٦٧٨")
def test_normalize_only_raises_phone_error(text):
    try:
        result = normalize_phone(text)
    except PhoneError:
        return
    assert result is None or result == normalize_phone(result)


@given(st.one_of(st.integers(), st.floats()))
def test_numbers_from_spreadsheets_only_raise_phone_error(value):
    try:
        normalize_phone(value)
    except PhoneError:
        pass


@given(canonical_phones)
def test_format_then_normalize_gives_the_canonical_back(canonical):
    assert normalize_phone(canonical) == canonical
    assert normalize_phone(format_phone(canonical)) == canonical


@given(st.one_of(vn_mobiles, vn_landlines))
def test_vietnamese_numbers_in_other_forms(canonical):
    assert normalize_phone(int(canonical)) == canonical
    assert normalize_phone(float(canonical)) == canonical
    assert normalize_phone("+84" + canonical[1:]) == canonical
    assert normalize_phone("84" + canonical[1:]) == canonical
    assert search_digits(format_phone(canonical)) == canonical


@given(st.sampled_from(sorted(CONVERSIONS_2018)), st.text("0123456789", min_size=7, max_size=7))
def test_any_old_mobile_keeps_its_last_seven_digits(old, last7):
    assert normalize_phone(old + last7) == CONVERSIONS_2018[old] + last7
