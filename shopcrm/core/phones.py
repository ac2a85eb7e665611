"""Phone numbers as shops write them, stored in one canonical form.

Canonical form: a Vietnamese number is its national digits with the leading 0
("0912345678" for a mobile, "02438251234" for a landline); a foreign number is
E.164 ("+14155552671"). Validation is Google's `phonenumbers` (region VN).
Pure Python: never import Qt here.
"""

from __future__ import annotations

import math
import re
import unicodedata

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from shopcrm.core.errors import QT_TRANSLATE_NOOP, ValidationError

# Old 11-digit mobile prefixes -> new 10-digit prefixes; the 7 last digits are kept.
# Source: Bộ Thông tin và Truyền thông, Kế hoạch chuyển đổi mã mạng ban hành kèm theo
# Quyết định 798/QĐ-BTTTT ngày 25/5/2018 (MobiFone 120,121,122,126,128 -> 70,79,77,76,78;
# VinaPhone 123,124,125,127,129 -> 83,84,85,81,82; Viettel 162-169 -> 32-39;
# Vietnamobile 186,188 -> 56,58; Gmobile 199 -> 59), carried out 15/9/2018 - 30/6/2019.
OLD_MOBILE_PREFIXES = {
    "0120": "070", "0121": "079", "0122": "077", "0126": "076", "0128": "078",
    "0123": "083", "0124": "084", "0125": "085", "0127": "081", "0129": "082",
    "0162": "032", "0163": "033", "0164": "034", "0165": "035",
    "0166": "036", "0167": "037", "0168": "038", "0169": "039",
    "0186": "056", "0188": "058", "0199": "059",
}

# One literal per message, so that pyside6-lupdate extracts it whole.
_INVALID = QT_TRANSLATE_NOOP("errors", "{phone} is not a valid phone number: a Vietnamese mobile has 10 digits starting with 0.")
_LETTERS = QT_TRANSLATE_NOOP("errors", "{phone} is not a phone number: it contains letters. Write only digits, with spaces, dots or dashes if you like.")
_SYMBOLS = QT_TRANSLATE_NOOP("errors", "{phone} is not a phone number: write only digits, spaces, dots, dashes, brackets and a + in front.")
_TOO_SHORT = QT_TRANSLATE_NOOP("errors", "{phone} is too short for a phone number: a Vietnamese mobile has 10 digits starting with 0.")
_TOO_LONG = QT_TRANSLATE_NOOP("errors", "{phone} is too long for a phone number: a Vietnamese mobile has 10 digits and a landline 11. Write a foreign number with + and its country code.")
_OLD_PREFIX = QT_TRANSLATE_NOOP("errors", "{phone} looks like an old 11-digit mobile number, but {prefix} is not one of the prefixes changed to 10 digits in 2018.")
_FOREIGN = QT_TRANSLATE_NOOP("errors", "{phone} is not a valid international phone number: check the country code after the + and the digits.")

_SEPARATORS = re.compile(r"[\s.\-()/\[\]]+")
_EXCEL_FLOAT = re.compile(r"^\+?\d+\.0+$")  # "912345678.0": a number that went through a float
_VN_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE,
             PhoneNumberType.FIXED_LINE_OR_MOBILE, PhoneNumberType.VOIP}
_MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
_MAX_DIGITS = 17  # E.164 allows 15; beyond this nothing can be a phone number


class PhoneError(ValidationError):
    """A value that cannot be stored as a phone number; the message says why."""


def normalize_phone(raw: str | int | float | None) -> str | None:
    """The canonical form of `raw` ("0912345678" or "+14155552671"); None if blank.

    Accepts spaces, dots, dashes, brackets, +84 / 84 / 0084 prefixes (also "+84 (0) 912…"),
    spreadsheet numbers that lost their leading 0 (912345678, 912345678.0) and the old
    11-digit mobiles (01689123456 -> 0389123456). Raises PhoneError otherwise.
    """
    text = _as_text(raw)
    if text is None:
        return None
    digits = _digits_of(text)
    if digits.startswith("00"):  # international call prefix from Vietnam
        digits = "+" + digits[2:]
    if digits.startswith("+") and not digits.startswith("+84"):
        return _foreign(digits, text)
    return _vietnamese(_national(digits), text)


def _as_text(raw: str | int | float | None) -> str | None:
    """The input as stripped text (None if blank); integral floats lose their ".0"."""
    if raw is None:
        return None
    if isinstance(raw, bool) or (isinstance(raw, (int, float)) and not raw >= 0):
        raise PhoneError(_INVALID, phone=str(raw))  # also NaN
    if isinstance(raw, float):
        if not math.isfinite(raw) or not raw.is_integer():
            raise PhoneError(_INVALID, phone=str(raw))
        raw = int(raw)
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    if _EXCEL_FLOAT.match(text):
        text = text.split(".")[0]
    return text or None


def _digits_of(text: str) -> str:
    """The digits of `text`, with a leading + kept; PhoneError for letters or symbols."""
    compact = _SEPARATORS.sub("", text)
    if re.fullmatch(r"\+?[0-9]+", compact):
        if len(compact) > _MAX_DIGITS + 1:
            raise PhoneError(_TOO_LONG, phone=text)
        return compact
    if any(char.isalpha() for char in compact):
        raise PhoneError(_LETTERS, phone=text)
    raise PhoneError(_SYMBOLS, phone=text)


def _national(digits: str) -> str:
    """Vietnamese national digits with the leading 0, from "+84…", "84…", "0…" or lost-0 digits.

    "84" without + is a country code only before a full 9- or 10-digit number (a lost-0
    "84…" number has 9 digits in all); "+84 (0) 912…" drops the written 0.
    """
    rest = digits[3:] if digits.startswith("+84") else digits[2:]
    rest = rest.removeprefix("0")
    if digits.startswith("+84") or (digits.startswith("84") and len(rest) in (9, 10)):
        return "0" + rest
    return digits if digits.startswith("0") else "0" + digits


def convert_old_mobile(national: str) -> str:
    """An old 11-digit mobile (01689123456) in its 2018 10-digit form; others unchanged."""
    new_prefix = OLD_MOBILE_PREFIXES.get(national[:4])
    if len(national) == 11 and new_prefix:
        return new_prefix + national[4:]
    return national


def _vietnamese(national: str, text: str) -> str:
    """Validates Vietnamese national digits (old mobiles converted first)."""
    if len(national) == 11 and national.startswith("01"):
        if national[:4] not in OLD_MOBILE_PREFIXES:
            raise PhoneError(_OLD_PREFIX, phone=text, prefix=national[:4])
        national = convert_old_mobile(national)
    if _is_valid_vietnamese(national):  # the common case, without parsing (see below)
        return national
    number = _parsed(national)
    if number and phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in _VN_TYPES:
        return "0" + phonenumbers.national_significant_number(number)
    if len(national) < 10:
        raise PhoneError(_TOO_SHORT, phone=text)
    if len(national) > 11:
        raise PhoneError(_TOO_LONG, phone=text)
    raise PhoneError(_INVALID, phone=text)


def _vn_checks() -> dict[int, tuple[re.Pattern, re.Pattern]]:
    """For each length of a Vietnamese national significant number: its general pattern,
    and one pattern trying Vietnam's number types in the order phonenumbers'
    number_type() does (premium rate, toll free, shared cost, VoIP, personal, pager,
    UAN, voicemail, fixed line, mobile), each as a named group, the name saying
    whether the type is one stored here (VoIP, fixed line, mobile)."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region("VN")
    kinds = [(False, meta.premium_rate), (False, meta.toll_free), (False, meta.shared_cost),
             (True, meta.voip), (False, meta.personal_number), (False, meta.pager),
             (False, meta.uan), (False, meta.voicemail), (True, meta.fixed_line),
             (True, meta.mobile)]
    general = meta.general_desc
    checks = {}
    for length in general.possible_length:
        alternatives = [f"(?P<{'ok' if accepted else 'no'}{n}>{desc.national_number_pattern})"
                        for n, (accepted, desc) in enumerate(kinds)
                        if desc is not None and desc.national_number_pattern
                        and (not desc.possible_length or length in desc.possible_length)]
        if general.national_number_pattern and alternatives:
            checks[length] = (re.compile(general.national_number_pattern),
                              re.compile("|".join(alternatives)))
    return checks


_VN_CHECKS = _vn_checks()


def _is_valid_vietnamese(national: str) -> bool:
    """True when phonenumbers would accept `national` ("0" + 9 or 10 digits, no second
    0) as a valid Vietnamese number of a stored type, so it is canonical as it is.

    The same decision as parse() + is_valid_number() + number_type() in _vietnamese(),
    made with phonenumbers' own patterns compiled once: ~1 µs instead of ~25 µs, which
    was most of a 100,000-row import's validation. False also means "not sure": the
    caller then asks phonenumbers, whose verdict and error stand.
    """
    if len(national) not in (10, 11) or national[0] != "0" or national[1] == "0":
        return False
    nsn = national[1:]
    checks = _VN_CHECKS.get(len(nsn))
    if checks is None or checks[0].fullmatch(nsn) is None:
        return False
    found = checks[1].fullmatch(nsn)  # the first type that matches, as number_type()
    return found is not None and found.lastgroup.startswith("ok")


def _foreign(digits: str, text: str) -> str:
    """Validates "+<country><number>" and returns it in E.164."""
    try:
        number = phonenumbers.parse(digits, None)
    except phonenumbers.NumberParseException:
        raise PhoneError(_FOREIGN, phone=text) from None
    if not phonenumbers.is_valid_number(number):
        raise PhoneError(_FOREIGN, phone=text)
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def _parsed(canonical: str | None) -> phonenumbers.PhoneNumber | None:
    """The phonenumbers object of a canonical phone, or None if it does not parse."""
    if not canonical:
        return None
    try:
        return phonenumbers.parse(canonical, "VN")
    except phonenumbers.NumberParseException:
        return None


def format_phone(canonical: str | None) -> str:
    """Display form: "0912 345 678", "024 3825 1234", "+1 415-555-2671"; "" if empty.

    Something that is not a canonical phone is shown as it is.
    """
    number = _parsed(canonical)
    if number is None:
        return canonical or ""
    style = PhoneNumberFormat.INTERNATIONAL if canonical.startswith("+") else PhoneNumberFormat.NATIONAL
    return phonenumbers.format_number(number, style)


def is_mobile(canonical: str | None) -> bool:
    """True for a mobile number (or a foreign one that may be mobile, as in the US)."""
    number = _parsed(canonical)
    return number is not None and phonenumbers.number_type(number) in _MOBILE_TYPES


def search_digits(text: str) -> str:
    """The digits of a search query, to match against the digits of stored phones.

    Everything but digits is dropped ("0912.345" -> "0912345"). A leading +84 or 0084
    becomes 0 ("+84 912" -> "0912"); so does 84 without + when followed by a full
    9- or 10-digit number ("84912345678" -> "0912345678"), as a shorter "84…" may be
    the middle of a number. A full old 11-digit mobile becomes its 10-digit form.
    """
    text = unicodedata.normalize("NFKC", text or "").strip()
    digits = re.sub(r"[^0-9]", "", text)
    if text.startswith("+84") or digits.startswith("0084"):
        digits = "0" + digits[4 if digits.startswith("0084") else 2:].removeprefix("0")
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    return convert_old_mobile(digits)
