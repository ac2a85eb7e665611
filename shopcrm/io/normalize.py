"""Spreadsheet cells -> the form input `core.customers.clean()` validates.

Cells arrive as whatever the file held: Excel dates or serial numbers, phones
stored as numbers (912345678.0, the leading 0 lost), "Nữ" or "F" or "Chị" for a
gender, "1.250.000 đ" for money. The parsers here turn the words and shapes
shops use into the stored choice keys and plain values; validation proper
(phones, emails, birthdays in range) stays in `clean()`, one rule for the form
and the import. Values that are not understood raise ValidationError, never
guess: a wrong gender or date on a customer is worse than a rejected row.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial

from shopcrm.core import dates
from shopcrm.core.memo import Memo
from shopcrm.core.errors import QT_TRANSLATE_NOOP, KnownError, ValidationError
from shopcrm.core.text import fold, nfc

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_TIME_SUFFIX = re.compile(r"^(\S+)[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 61 is 1900-03-01 (Excel's 29/02/1900 bug)
_SERIAL_RANGE = (1, 80_000)  # 1900-01-01 .. 2119: beyond that a number is not a date cell
_TAG_SPLIT = re.compile(r"\s*(?::::|[|,;])\s*")
_PHONE_SPLIT = re.compile(r"\s*[,;|/\n]\s*|\s+-\s+")
_AREA_SPLIT = re.compile(r"\s+[-–]\s+")
_CURRENCY = re.compile(r"^(vnd|dong|d|₫)\s*|\s*(vnd|dong|d|₫)\.?$")
TAG_MAX = 60
CODE_MAX = 20


_KEY_CACHE: dict[str, str] = {}  # a column of genders or groups repeats a few words
_CACHE_MAX = 10_000


def _key(value) -> str:
    """Folded words of a cell ("Nữ " -> "nu", "Tại cửa hàng" -> "tai cua hang")."""
    if type(value) is str:
        found = _KEY_CACHE.get(value)
        if found is None:
            if len(_KEY_CACHE) >= _CACHE_MAX:
                _KEY_CACHE.clear()
            found = _KEY_CACHE[value] = _NON_ALNUM.sub(" ", fold(value)).strip()
        return found
    return _NON_ALNUM.sub(" ", fold(str(value))).strip()


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text_value(value) -> str | None:
    """A text field from any cell: numbers lose a spurious ".0", dates read dd/mm/yyyy."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.strftime("%d/%m/%Y")
    return nfc(str(value)) or None


def _parse_words(value, table: dict[str, str], message: str):
    """The choice key for `value` through `table`, None if blank, else ValidationError."""
    if is_blank(value):
        return None
    found = table.get(_key(value))
    if found is None:
        raise ValidationError(message, value=str(value).strip())
    return found


def _table(**choices: tuple[str, ...]) -> dict[str, str]:
    return {word: key for key, words in choices.items() for word in words}


_GENDERS = _table(
    male=("nam", "m", "male", "man", "anh", "ong", "chu", "trai", "mr", "boy"),
    female=("nu", "f", "female", "woman", "chi", "ba", "co", "gai", "mrs", "ms", "miss", "girl"),
    other=("khac", "other"),
    unknown=("khong ro", "chua ro", "unknown", "khong xac dinh", "n a", "na"),
)
_KINDS = _table(
    individual=("ca nhan", "individual", "person", "personal", "khach le", "nguoi"),
    organisation=("cong ty", "to chuc", "doanh nghiep", "company", "organisation",
                  "organization", "business", "co quan", "cty", "dn"),
)
# Looked for as words inside the cell, in this order ("quảng cáo Facebook" is advertising).
_SOURCES = (
    ("advertising", ("quang cao", "ads", "advertising", "advert", "banner", "to roi")),
    ("referral", ("gioi thieu", "referral", "referred", "nguoi quen", "ban be", "word of mouth")),
    ("media", ("bao", "dai", "tv", "truyen hinh", "radio", "media", "tap chi", "newspaper")),
    ("social", ("mang xa hoi", "facebook", "fb", "zalo", "tiktok", "instagram", "youtube",
                "social")),
    ("website", ("website", "web", "trang web", "online", "shopee", "lazada", "tiki")),
    ("walk_in", ("den truc tiep", "tai cua hang", "truc tiep", "cua hang", "walk in", "walkin",
                 "store", "shop", "offline", "vang lai")),
)
_CHOICE_WORDS = {  # less common choice fields: known words, else the text goes to clean()
    "relation": _table(external=("ben ngoai", "external"), internal=("noi bo", "internal")),
    "income": _table(low=("thap", "low"), medium=("trung binh", "medium"), high=("cao", "high")),
    "area": _table(city=("thanh pho", "city"), urban=("do thi", "urban"),
                   suburban=("ngoai o", "ngoai thanh", "suburban"),
                   rural=("nong thon", "rural")),
    "org_type": _table(manufacturer=("san xuat", "doanh nghiep san xuat", "manufacturer"),
                       trading=("thuong mai", "doanh nghiep thuong mai", "trading"),
                       wholesale_retail=("ban buon", "ban le", "ban buon ban le",
                                         "wholesale retail", "wholesale", "retail"),
                       nonprofit_state=("phi loi nhuan", "co quan nha nuoc", "nha nuoc",
                                        "nonprofit", "nonprofit state", "state")),
}
_TRUE = {"x", "co", "yes", "y", "true", "1", "v", "dung"}
_FALSE = {"khong", "no", "n", "false", "0", "sai"}


def parse_gender(value) -> str | None:
    """Nam/M/Male/Anh -> male, Nữ/F/Female/Chị -> female, Khác/Other -> other; blank -> None."""
    return _parse_words(value, _GENDERS, QT_TRANSLATE_NOOP(
        "errors", "\"{value}\" is not a gender: write Nam, Nữ or Khác (or leave it empty)."))


def parse_kind(value) -> str | None:
    """Cá nhân/Individual -> individual; Công ty/Tổ chức/Doanh nghiệp/Company -> organisation."""
    return _parse_words(value, _KINDS, QT_TRANSLATE_NOOP(
        "errors", "\"{value}\" is not a kind of customer: write Cá nhân or Công ty."))


def parse_source(value) -> str | None:
    """Where the customer came from; words not recognised are "other", never an error."""
    if is_blank(value):
        return None
    words = f" {_key(value)} "
    for source, phrases in _SOURCES:
        if any(f" {phrase} " in words for phrase in phrases):
            return source
    return "other"


def parse_choice(field_name: str, value) -> str | None:
    """Vietnamese or English words of relation/income/area/org_type; other text unchanged."""
    if is_blank(value):
        return None
    return _CHOICE_WORDS[field_name].get(_key(value), text_value(value))


def parse_bool(value) -> bool | None:
    """x / có / yes / 1 -> True; không / no / 0 -> False; blank -> None."""
    if isinstance(value, bool) or is_blank(value):
        return value if isinstance(value, bool) else None
    key = _key(value)
    if key not in _TRUE and key not in _FALSE:
        raise ValidationError(
            QT_TRANSLATE_NOOP("errors", "\"{value}\" is not yes or no: write x or leave it empty."),
            value=str(value))
    return key in _TRUE


def parse_date_cell(value) -> dt.date | None:
    """A date from a date cell, an Excel serial number or text such as "25/12/1990"."""
    if is_blank(value):
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return dates.parse_date(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_number(value)
    text = str(value).strip()
    if match := _TIME_SUFFIX.match(text):
        text = match.group(1)
    if re.fullmatch(r"-{1,2}\d{1,2}-\d{1,2}", text):  # Google's birthday without a year
        raise ValidationError(QT_TRANSLATE_NOOP("errors", "{text} has no year: write the date as dd/mm/yyyy."),
                              text=text)
    return dates.parse_date(text)


_CLOCK = re.compile(r"^(\S+)[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$")


def parse_datetime_cell(value) -> dt.datetime | None:
    """A date and time (naive, as written) from a datetime cell, an Excel serial number
    with a fraction, or text such as "25/12/2025 14:30"; a date alone is 00:00."""
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) \
            and _SERIAL_RANGE[0] <= value < _SERIAL_RANGE[1]:
        day = _from_number(int(value))
        seconds = round((value - int(value)) * 86_400)
        return dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=seconds)
    if isinstance(value, str) and (match := _CLOCK.match(value.strip())):
        hour, minute, second = (int(part or 0) for part in match.group(2, 3, 4))
        if hour < 24 and minute < 60 and second < 60:
            return dt.datetime.combine(parse_date_cell(match.group(1)),
                                       dt.time(hour, minute, second))
    return dt.datetime.combine(parse_date_cell(value), dt.time())


def _from_number(value: float) -> dt.date:
    if not -1e15 < value < 1e15:  # float() of a 400-digit cell would overflow
        raise ValidationError(QT_TRANSLATE_NOOP("errors", "{text} is not a date: write it as dd/mm/yyyy."),
                              text=str(value)[:20])
    if float(value).is_integer() and 19000101 <= value <= 21001231:  # 19901225 typed as yyyymmdd
        return dates.parse_date(f"{int(value) // 10000}-{int(value) // 100 % 100}-{int(value) % 100}")
    if not _SERIAL_RANGE[0] <= value < _SERIAL_RANGE[1]:
        raise ValidationError(QT_TRANSLATE_NOOP("errors", "{text} is not a date: write it as dd/mm/yyyy."),
                              text=str(value))
    days = int(value)
    epoch = _EXCEL_EPOCH if days >= 61 else _EXCEL_EPOCH + dt.timedelta(days=1)
    return epoch + dt.timedelta(days=days)


def phone_text(value) -> str | None:
    """A phone cell as text: 912345678 and 912345678.0 -> "912345678" (clean() adds the 0)."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def split_phones(text: str | None) -> list[str]:
    """Several numbers typed in one cell ("0912 345 678 / 0987.654.321") -> each of them."""
    if not text:
        return []
    parts = [part for part in _PHONE_SPLIT.split(text) if part]
    if len(parts) > 1 and all(sum(ch.isdigit() for ch in part) >= 9 for part in parts):
        return parts
    return [text]


# 10^15 ₫ is far beyond any purchase; bigger numbers are typing or file errors.
MAX_MONEY_DIGITS = 15
MAX_MONEY = 10 ** MAX_MONEY_DIGITS


def parse_money(value) -> int | None:
    """VND from "1.250.000 đ", "1,250,000", "1250000₫", "1.250.000 VNĐ" or a number."""
    if is_blank(value):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not abs(value) < MAX_MONEY:  # also false for nan; an int of any size compares
            raise _not_money(value)
        return round(value)
    text = _CURRENCY.sub("", fold(str(value)).replace("\u00a0", " ")).replace(" ", "")
    sign, text = (-1, text[1:]) if text.startswith("-") else (1, text)
    if len(re.sub(r"\D", "", text)) > MAX_MONEY_DIGITS:  # a bigger number is not a price
        raise _not_money(value)
    if re.fullmatch(r"\d+", text):
        return sign * int(text)
    match = re.fullmatch(r"(\d{1,3}(?:([.,])\d{3})+|\d+)(?:([.,])(\d{1,2}))?", text)
    if match and match.group(2) != match.group(3):  # thousands and decimal separators differ
        whole = int(re.sub(r"[.,]", "", match.group(1)))
        return sign * (whole + (round(float("0." + match.group(4))) if match.group(4) else 0))
    raise _not_money(value)


def _not_money(value) -> ValidationError:
    return ValidationError(QT_TRANSLATE_NOOP("errors", "\"{value}\" is not an amount of money in đồng."),
                           value=str(value)[:40])


_TAGS_CACHE: dict[str, tuple[str, ...]] = {}


def split_tags(value) -> list[str]:
    """Groups or labels split on | , ; or ":::"; Google's "* myContacts" groups dropped."""
    if type(value) is str:  # a group column repeats a few values
        found = _TAGS_CACHE.get(value)
        if found is None:
            if len(_TAGS_CACHE) >= _CACHE_MAX:
                _TAGS_CACHE.clear()
            found = _TAGS_CACHE[value] = tuple(_split_tags(value))
        return list(found)
    return _split_tags(value)


def _split_tags(value) -> list[str]:
    text = text_value(value)
    if not text:
        return []
    tags: dict[str, str] = {}
    for part in _TAG_SPLIT.split(text):
        tag = part.strip()[:TAG_MAX].strip()
        if tag and not tag.startswith("*"):
            tags.setdefault(fold(tag), tag)
    return list(tags.values())


def split_area(text: str) -> tuple[str, str | None]:
    """KiotViet's delivery area "Hồ Chí Minh - Quận 1" -> ("Hồ Chí Minh", "Quận 1").

    "Bà Rịa - Vũng Tàu" is one province whose name contains the separator.
    """
    parts = _AREA_SPLIT.split(text)
    if len(parts) > 1 and _key(" ".join(parts[:2])) == "ba ria vung tau":
        parts = [f"{parts[0]} - {parts[1]}", *parts[2:]]
    return parts[0], (" - ".join(parts[1:]) or None)


def parse_code(value) -> str | None:
    """A customer code as stored: upper case, at most 20 characters."""
    code = text_value(value)
    if code is None:
        return None
    code = code.upper()
    if len(code) > CODE_MAX or " " in code:
        raise ValidationError(QT_TRANSLATE_NOOP(
            "errors", "\"{code}\" is not a customer code: at most 20 letters and digits, no spaces."),
            code=code)
    return code


@dataclass(slots=True)
class RowInput:
    """One row turned into form input; `errors` and `sources` are keyed by column index."""

    form: dict
    code: str | None = None
    tags: list[str] = field(default_factory=list)
    errors: dict[int, KnownError] = field(default_factory=dict)
    sources: dict[str, int] = field(default_factory=dict)  # form field -> column it came from


_NAME_PARTS = ("last_name", "middle_name", "first_name")
_PSEUDO = ("code", "tags", "company", *_NAME_PARTS)
_PARSERS = {
    "code": parse_code, "tags": lambda value: tuple(split_tags(value)),
    "gender": parse_gender, "kind": parse_kind, "source": parse_source,
    "birthday": parse_date_cell, "phone": phone_text, "phone2": phone_text,
    "role_buyer": parse_bool, "role_user": parse_bool, "role_beneficiary": parse_bool,
    **{name: partial(parse_choice, name) for name in _CHOICE_WORDS},
}


def row_input(cells: list, mapping: dict[int, str], headers: list[str]) -> RowInput:
    """The form input of one row under `mapping` (column index -> field).

    Only non-blank cells enter the form (plus "name", always: clean() then insists
    on it), so an update never blanks a stored value and clean() never puts its
    defaults over what the database already has.
    """
    return next(row_inputs([cells], mapping, headers))


def row_inputs(rows: list[list], mapping: dict[int, str], headers: list[str],
               memo: Memo | None = None) -> Iterator[RowInput]:
    """row_input() of every row, in order, parsed column by column: each distinct value
    of a column once (with `memo`, across calls too). Each row's input is made when
    asked for, so that 100,000 of them are never all held at once."""
    memo = memo or Memo()
    sources: dict[str, int] = {}
    for index, name in mapping.items():
        sources.setdefault(name, index)
    columns = [(index, name, _parsed_column(memo, index, name, [
        cells[index] if index < len(cells) else None for cells in rows]))
        for index, name in mapping.items()]
    for position in range(len(rows)):
        row = RowInput(form={}, sources=dict(sources))
        parts: dict = {}
        for index, name, column in columns:
            parsed = column[position]
            if parsed is None:
                continue
            if isinstance(parsed, ValidationError):
                row.errors[index] = parsed
            elif name == "code":
                row.code = parsed
            elif name == "tags":
                row.tags = list(parsed)
            else:
                parts[name] = parsed
        _assemble(row, parts, headers)
        yield row


def _parsed_column(memo: Memo, index: int, name: str, values: list) -> list:
    """The values of one column parsed for `name`: each a value, None or a ValidationError."""
    parser = _PARSERS.get(name)
    if parser is None:  # text: the reader's strings are NFC already; mostly all different
        return [(value.strip() or None) if type(value) is str else text_value(value)
                for value in values]
    return memo.each(index, parser, values)


def _assemble(row: RowInput, parts: dict, headers: list[str]) -> None:
    """Joins split names, places the company, splits two phones and a delivery area."""
    sources = row.sources
    name = parts.get("name") or " ".join(parts[p] for p in _NAME_PARTS if parts.get(p))
    company = parts.get("company")
    if not name and company:
        name = company
        parts.setdefault("kind", "organisation")
        sources.setdefault("name", sources["company"])
    elif company:
        note = f"{headers[sources['company']] or 'Company'}: {company}"
        parts["notes"] = f"{parts['notes']}\n{note}" if parts.get("notes") else note
    for part in _NAME_PARTS:
        if part in sources:
            sources.setdefault("name", sources[part])
    phones = split_phones(parts.get("phone"))
    if len(phones) == 2 and "phone2" not in parts:
        parts["phone"], parts["phone2"] = phones
        sources.setdefault("phone2", sources["phone"])
    if parts.get("province") and "district" not in parts and _AREA_SPLIT.search(parts["province"]):
        parts["province"], district = split_area(parts["province"])
        if district:
            parts["district"] = district
            sources.setdefault("district", sources["province"])
    row.form = {key: value for key, value in parts.items() if key not in _PSEUDO}
    row.form["name"] = name
