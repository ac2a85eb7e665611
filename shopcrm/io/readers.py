"""Reading the customer lists shops already keep: Excel workbooks and CSV files.

The result is a plain `Table` (header row + data rows of cell values) whatever
the file was, so mapping and validation never care where it came from.

Hand-kept sheets have a title row or a merged banner above the headers, a
total row at the bottom and thousands of formatted-but-empty rows after it;
old CSV files are in Windows-1258 or UTF-16 and often decomposed (NFD). All of
that is handled here. A file that is not what its name says, or that cannot be
read without guessing (UTF-8 damaged by a pasted row in another encoding, a
quotation mark never closed, a sheet without a single customer row), becomes a
KnownError with a plain message naming the file, never a traceback nor a
silently garbled import.

Formulas are never executed: Excel files are opened with data_only=True and
give the value Excel cached when it last saved the file. A formula cell with no
cached value (a file written by a program that does not compute formulas, such
as openpyxl itself) reads as None, i.e. an empty cell.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from shopcrm.core.errors import QT_TRANSLATE_NOOP, KnownError
from shopcrm.core.text import fold
from shopcrm.io.mapping import is_known_header

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
TEXT_SUFFIXES = (".csv", ".txt")
VCARD_SUFFIXES = (".vcf", ".vcard")
SUPPORTED = ", ".join((*EXCEL_SUFFIXES, ".csv", ".vcf"))
HEADER_SEARCH_ROWS = 15
DELIMITERS = (",", ";", "\t")

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted .xlsx and old .xls files
_TOTAL = re.compile(r"^(tong cong|tong so|total|grand total)\b|^(tong|cong)( \d.*)?$")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
# A well-formed UTF-8 sequence of two to four bytes (RFC 3629: no overlongs, no surrogates).
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}")
_ASCII = bytes(range(128))

NOT_EXCEL = QT_TRANSLATE_NOOP("errors", "{name} is not an Excel workbook or is damaged.")
ENCRYPTED = QT_TRANSLATE_NOOP(
    "errors",
    "{name} is protected by a password or is an old Excel 97-2003 file. Open it in Excel, "
    "remove the password or save it as .xlsx, then import it again.",
)
NOT_TEXT = QT_TRANSLATE_NOOP("errors", "{name} is not a CSV text file or is damaged.")
EMPTY = QT_TRANSLATE_NOOP("errors", "{name} is empty: there are no customers to import.")
OLD_EXCEL = QT_TRANSLATE_NOOP(
    "errors", "{name} is an old Excel 97-2003 file: open it in Excel and save it as .xlsx.")
NOT_UTF8 = QT_TRANSLATE_NOOP(
    "errors", "{name}: line {line} is not valid UTF-8 text; save the file again as CSV UTF-8.")
UNCLOSED_QUOTE = QT_TRANSLATE_NOOP(
    "errors",
    "{name}: a quotation mark on line {line} is never closed, so all the lines after it "
    "read as one cell. Add the closing quotation mark, then import again.",
)


@dataclass
class Table:
    """A sheet as rows of cell values under one header row.

    `rows[i]` came from line `row_numbers[i]` of the file (1-based, as Excel numbers
    rows), so rejected rows can be reported where the user will find them.
    """

    headers: list[str]
    rows: list[list]
    row_numbers: list[int]
    header_row_number: int
    sheet_names: list[str] = field(default_factory=list)
    sheet: str | None = None
    file_name: str = ""


def read_table(path: Path, sheet: str | None = None,
               is_header: Callable[[str], bool] = is_known_header) -> Table:
    """The table in `path` (.xlsx, .xlsm, .csv, .txt, .vcf); `sheet` picks a workbook sheet.

    `is_header` tells a known column header (the customer ones by default; the purchases
    import passes its own) to find the header row below titles.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise KnownError(OLD_EXCEL, name=path.name)
    if suffix not in EXCEL_SUFFIXES + TEXT_SUFFIXES + VCARD_SUFFIXES:
        raise KnownError(
            QT_TRANSLATE_NOOP("errors", "{name} cannot be imported: choose a {kinds} file."),
            name=path.name, kinds=SUPPORTED,
        )
    try:
        if path.stat().st_size == 0:
            raise KnownError(EMPTY, name=path.name)
        if suffix in VCARD_SUFFIXES:
            return _read_vcard(path)
        if suffix in EXCEL_SUFFIXES:
            numbered, sheet_names, sheet = _read_workbook(path, sheet)
        else:
            numbered, sheet_names, sheet = _read_text(path), [], None
    except OSError as exc:
        raise KnownError(QT_TRANSLATE_NOOP("errors", "{name} cannot be read: {reason}"),
                         name=path.name, reason=exc.strerror or str(exc)) from exc
    table = _make_table(numbered, path.name, is_header)
    table.sheet_names, table.sheet = sheet_names, sheet
    return table


# -- Excel ------------------------------------------------------------------------------

def _read_workbook(path: Path, sheet: str | None) -> tuple[list, list[str], str]:
    """Non-empty rows as (row number, values), the sheet names and the sheet read."""
    import openpyxl  # imported here: a CSV import should not pay for it

    with open(path, "rb") as fh:
        magic = fh.read(len(_OLE_MAGIC))
    if magic == _OLE_MAGIC:
        raise KnownError(ENCRYPTED, name=path.name)
    # openpyxl warns about features it drops (data validation, conditional formats,
    # missing default styles); none of them matter for reading values.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except KnownError:
            raise
        except Exception as exc:  # noqa: BLE001  (zip, XML or openpyxl errors of a bad file)
            raise KnownError(NOT_EXCEL, name=path.name) from exc
        try:
            names = list(workbook.sheetnames)
            worksheet = _pick_sheet(workbook, sheet, path.name)
            worksheet.reset_dimensions()  # some writers store a wrong sheet size
            clean = _Cells()
            rows = [(number, cells)
                    for number, values in enumerate(worksheet.iter_rows(values_only=True), 1)
                    if (cells := clean(values))]
            return rows, names, worksheet.title
        except KnownError:
            raise
        except Exception as exc:  # noqa: BLE001  (damaged sheet XML)
            raise KnownError(NOT_EXCEL, name=path.name) from exc
        finally:
            workbook.close()


def _pick_sheet(workbook, sheet: str | None, name: str):
    if sheet is not None:
        if sheet not in workbook.sheetnames:
            raise KnownError(
                QT_TRANSLATE_NOOP("errors", "{name} has no sheet called {sheet}; it has: {sheets}."),
                name=name, sheet=sheet, sheets=", ".join(workbook.sheetnames),
            )
        return workbook[sheet]
    if not workbook.worksheets:
        raise KnownError(NOT_EXCEL, name=name)
    active = workbook.active
    return active if active in workbook.worksheets else workbook.worksheets[0]


class _Cells:
    """Cleans rows: text in NFC, blank text as None, trailing empty cells dropped.

    Repeated texts of a column (province, gender, group) are kept as one string
    object: with 100,000 rows that saves tens of MB. A column whose values are
    mostly different (phones, names) stops being tracked after a sample.
    """

    SAMPLE = 2_000

    def __init__(self):
        self.shared: list[dict | None] = []
        self.seen: list[int] = []

    def __call__(self, values) -> list:
        cells = [_clean_value(value) for value in values]
        while cells and cells[-1] is None:
            cells.pop()
        for index, value in enumerate(cells):
            if type(value) is str:
                cells[index] = self._share(index, value)
        return cells

    def _share(self, index: int, value: str) -> str:
        while len(self.shared) <= index:
            self.shared.append({})
            self.seen.append(0)
        shared = self.shared[index]
        if shared is None:
            return value
        self.seen[index] += 1
        if self.seen[index] == self.SAMPLE and len(shared) > self.SAMPLE // 2:
            self.shared[index] = None
            return value
        return shared.setdefault(value, value)


def _clean_value(value):
    if isinstance(value, str):
        value = unicodedata.normalize("NFC", value).strip()
        return value or None
    return value


# -- CSV --------------------------------------------------------------------------------

def _read_text(path: Path) -> list:
    """Non-empty rows of a CSV/TSV file as (line number, values)."""
    data = path.read_bytes()
    text = unicodedata.normalize("NFC", _decode(data, path.name))
    if not text.strip():
        raise KnownError(EMPTY, name=path.name)
    at_end = False

    def lines():
        nonlocal at_end
        yield from io.StringIO(text, newline="")
        at_end = True

    rows, first_line, clean = [], 1, _Cells()
    try:  # csv.Error: a cell over csv.field_size_limit(), in the sample or further down
        reader = csv.reader(lines(), delimiter=_guess_delimiter(text))
        for values in reader:
            if at_end:
                # csv.reader only needs the end of the file to finish a row when a quoted
                # cell is still open there: an unclosed quotation mark swallowed every
                # line after it, and the rest of the file would import as one cell.
                raise KnownError(UNCLOSED_QUOTE, name=path.name,
                                 line=first_line + _line_breaks(values[:-1]))
            cells = clean(values)
            if cells:
                rows.append((first_line, cells))
            first_line = reader.line_num + 1  # a quoted cell may span several lines
    except csv.Error as exc:
        raise KnownError(NOT_TEXT, name=path.name) from exc
    return rows


def _line_breaks(values: list[str]) -> int:
    """How many line breaks (CR LF, LF or CR) the cells hold: quoted cells may span lines."""
    return sum(value.count("\n") + value.count("\r") - value.count("\r\n") for value in values)


def _decode(data: bytes, name: str) -> str:
    """Text of a file in UTF-8 (with or without BOM), UTF-16 or Windows-1258, in that order.

    Bytes that are not UTF-8 are read as Windows-1258 only when they do not look like
    UTF-8: a UTF-8 file with a row pasted from a Latin-1 file would otherwise have every
    Vietnamese letter garbled ("Nguyá»…n"). Real Windows-1258 text is practically never
    valid UTF-8 beyond a stray pair of bytes, so when valid multi-byte sequences are at
    least as many as the bytes that break UTF-8 (or the file starts with the UTF-8 BOM),
    the file is refused naming the first line at fault.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    elif len(data) > 1 and data[1::2].count(0) > len(data) // 4:  # UTF-16 without BOM
        candidates = ["utf-16-le"]
    elif len(data) > 1 and data[0::2].count(0) > len(data) // 4:
        candidates = ["utf-16-be"]
    else:
        if b"\x00" in data or data.startswith(b"PK\x03\x04"):  # a binary file named .csv
            raise KnownError(NOT_TEXT, name=name)
        candidates = ["utf-8", "cp1258"]
    for encoding in candidates:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as exc:
            if encoding == "utf-8-sig" or (encoding == "utf-8" and _mostly_utf8(data)):
                start = exc.start + (3 if encoding == "utf-8-sig" else 0)  # after the BOM
                raise KnownError(NOT_UTF8, name=name, line=_line_of(data, start)) from exc
            continue
    raise KnownError(NOT_TEXT, name=name)


def _mostly_utf8(data: bytes) -> bool:
    """Whether the valid UTF-8 multi-byte sequences are at least as many as the other
    non-ASCII bytes (those that break UTF-8)."""
    sequences = _UTF8_MULTIBYTE.findall(data)
    if not sequences:
        return False
    non_ascii = len(data.translate(None, _ASCII))
    return len(sequences) >= non_ascii - sum(map(len, sequences))


def _line_of(data: bytes, offset: int) -> int:
    """The 1-based line of byte `offset` (lines end with CR LF, LF or CR)."""
    before = data[:offset]
    return before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1


def _guess_delimiter(text: str) -> str:
    """The delimiter among , ; tab that splits the first lines into the most regular rows.

    Counting beats csv.Sniffer here: a title line above the headers and Vietnamese
    decimal commas ("1,5") confuse the sniffer, but not a vote over twenty lines.
    """
    sample = [line for line in text.splitlines()[:40] if line.strip()][:20]
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        widths = [len(row) for row in csv.reader(sample, delimiter=delimiter)]
        common = max(set(widths), key=widths.count) if widths else 1
        score = (widths.count(common), common) if common > 1 else (0, 0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


# -- vCard ------------------------------------------------------------------------------

def _read_vcard(path: Path) -> Table:
    """The contacts of a .vcf file, one row each (see shopcrm.io.vcard)."""
    from shopcrm.io import vcard

    data = path.read_bytes()
    try:
        text = _decode(data, path.name)
    except KnownError as exc:
        raise KnownError(vcard.NOT_VCARD, name=path.name) from exc
    if not vcard.looks_like_vcard(text):
        raise KnownError(EMPTY if not text.strip() else vcard.NOT_VCARD, name=path.name)
    return vcard.parse_vcards(text, path.name)


# -- header row and data rows -----------------------------------------------------------

def _make_table(numbered: list, file_name: str,
                is_header: Callable[[str], bool] = is_known_header) -> Table:
    """Find the header row, then keep the data rows below it that are not total rows."""
    if not numbered:
        raise KnownError(EMPTY, name=file_name)
    position = _header_position(numbered, is_header)
    header_number, header_cells = numbered[position]
    data = [(number, cells) for number, cells in numbered[position + 1:] if not _is_total(cells)]
    if not data:  # a title, headers or a total row, but not one customer
        raise KnownError(EMPTY, name=file_name)
    width = max([len(header_cells), *(len(cells) for _, cells in data)])
    headers = [_header_text(value) for value in header_cells]
    headers += [""] * (width - len(headers))
    rows = [cells + [None] * (width - len(cells)) for _, cells in data]
    return Table(headers=headers, rows=rows, row_numbers=[number for number, _ in data],
                 header_row_number=header_number, file_name=file_name)


def _header_position(numbered: list, is_header: Callable[[str], bool] = is_known_header) -> int:
    """Index of the header row: the first with 2+ known headers, else 2+ text cells."""
    first_rows = numbered[:HEADER_SEARCH_ROWS]
    for position, (_, cells) in enumerate(first_rows):
        if sum(1 for value in cells if isinstance(value, str) and is_header(value)) >= 2:
            return position
    for position, (_, cells) in enumerate(first_rows):
        if sum(1 for value in cells if isinstance(value, str)) >= 2:
            return position
    return 0


def _header_text(value) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _is_total(cells: list) -> bool:
    """A "Tổng cộng" / "Total" row; "Tống Văn Minh" (a family name) is a customer."""
    first = next((value for value in cells if value is not None), None)
    if not isinstance(first, str):
        return False
    return bool(_TOTAL.match(_NOT_WORD.sub(" ", fold(first)).strip()))
