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
import datetime as dt
import io
import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from shopcrm.core import gc_pause
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


@gc_pause.paused()
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

# python-calamine (Rust) reads a 100,000-row sheet about ten times faster than openpyxl,
# but holds the sheet's used range in memory, 32 bytes a cell, and aborts the whole
# process when that allocation fails (a stray value in XFD1048576 asks for 512 GB).
# Sheets whose size cannot be bounded under this many cells are read by openpyxl,
# streaming, as is anything calamine refuses.
CALAMINE_MAX_CELLS = 8_000_000
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?\"")
_ROW_NUMBER = re.compile(rb"<(?:\w+:)?row\b[^>]*?\sr=\"(\d+)\"")
_WIDE_CELL = re.compile(rb"\sr=\"[A-Z]{3}\d")  # a cell beyond column ZZ
_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b[^>]*?\s(?:\w+:)?id=\"([^\"]+)\"")
_ACTIVE_TAB = re.compile(rb"<(?:\w+:)?workbookView\b[^>]*?\sactiveTab=\"(\d+)\"")
_RELATION = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
_ATTRIBUTE = re.compile(rb"\s(Id|Target|Type)=\"([^\"]*)\"")


def _read_workbook(path: Path, sheet: str | None) -> tuple[list, list[str], str]:
    """Non-empty rows as (row number, values), the sheet names and the sheet read."""
    with open(path, "rb") as fh:
        magic = fh.read(len(_OLE_MAGIC))
    if magic == _OLE_MAGIC:
        raise KnownError(ENCRYPTED, name=path.name)
    read = _read_with_calamine(path, sheet)
    return read if read is not None else _read_with_openpyxl(path, sheet)


def _read_with_calamine(path: Path, sheet: str | None) -> tuple[list, list[str], str] | None:
    """As _read_workbook, by python-calamine; None when openpyxl should read the file
    (calamine missing or refusing it, a sheet too big to hold, an unusual layout)."""
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:
        return None
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception:  # noqa: BLE001  (openpyxl then reads it, or names the damage)
        return None
    try:
        names = list(workbook.sheet_names)
        if sheet is not None and sheet not in names:
            raise KnownError(
                QT_TRANSLATE_NOOP("errors", "{name} has no sheet called {sheet}; it has: {sheets}."),
                name=path.name, sheet=sheet, sheets=", ".join(names))
        kinds = [str(meta.typ).rsplit(".", 1)[-1] for meta in workbook.sheets_metadata]
        index = _calamine_sheet_index(path, names, kinds, sheet)
        if index is None:
            return None
        rows = _calamine_rows(workbook.get_sheet_by_index(index))
        return rows, names, names[index]
    except KnownError:
        raise
    except Exception:  # noqa: BLE001  (openpyxl then reads it, or names the damage)
        return None
    finally:
        workbook.close()


def _calamine_sheet_index(path: Path, names: list[str], kinds: list[str],
                          sheet: str | None) -> int | None:
    """The index of the sheet to read (the named one, else the active worksheet, else the
    first worksheet, as openpyxl picks it), or None when its size is not safely bounded."""
    import zipfile

    with zipfile.ZipFile(path) as archive:
        workbook_part = _office_document(archive)
        workbook_xml = archive.read(workbook_part)
        ids = _SHEET_TAG.findall(workbook_xml)
        if len(ids) != len(names) or "WorkSheet" not in kinds:
            return None
        if sheet is not None:
            index = names.index(sheet)
        else:
            active = _ACTIVE_TAB.search(workbook_xml)
            index = int(active.group(1)) if active else 0
            if not (index < len(kinds) and kinds[index] == "WorkSheet"):
                index = kinds.index("WorkSheet")
        targets = _relations(archive, workbook_part)
        part = _resolve(workbook_part, targets.get(ids[index].decode(), ""))
        return index if part and _cells_bound(archive, part) <= CALAMINE_MAX_CELLS else None


def _office_document(archive) -> str:
    for relation in _RELATION.findall(archive.read("_rels/.rels")):
        attributes = dict(_ATTRIBUTE.findall(relation))
        if attributes.get(b"Type", b"").endswith(b"/officeDocument"):
            return attributes.get(b"Target", b"").decode().lstrip("/")
    return "xl/workbook.xml"


def _relations(archive, part: str) -> dict[str, str]:
    folder, _, file_name = part.rpartition("/")
    rels = f"{folder}/_rels/{file_name}.rels" if folder else f"_rels/{file_name}.rels"
    out = {}
    for relation in _RELATION.findall(archive.read(rels)):
        attributes = dict(_ATTRIBUTE.findall(relation))
        out[attributes.get(b"Id", b"").decode()] = attributes.get(b"Target", b"").decode()
    return out


def _resolve(source_part: str, target: str) -> str:
    """The zip path of a relationship target (absolute "/xl/…" or relative to the source)."""
    import posixpath

    if not target:
        return ""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source_part), target))


def _cells_bound(archive, part: str) -> int:
    """An upper bound of the cells calamine allocates for the sheet (rows x columns).

    The <dimension> Excel writes at the top gives it at once; without one (or with a
    bare "A1", as some writers leave it) the sheet is scanned for its last row number
    and for cells beyond column ZZ.
    """
    with archive.open(part) as stream:
        head = stream.read(4096)
        found = _DIMENSION.search(head)
        if found and found.group(3):
            rows = int(found.group(4)) - int(found.group(2)) + 1
            columns = _column_number(found.group(3)) - _column_number(found.group(1)) + 1
            return rows * columns
        last_row, wide, tail, chunk = 0, False, b"", head
        while chunk:
            window = tail + chunk
            numbers = _ROW_NUMBER.findall(window)
            last_row = max(last_row, int(numbers[-1])) if numbers else last_row
            last_row = max(last_row, window.count(b"row>"))  # rows without numbers
            wide = wide or _WIDE_CELL.search(window) is not None
            tail, chunk = window[-256:], stream.read(1 << 20)
    return (last_row + 1) * (16_384 if wide else 702)


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _calamine_rows(worksheet) -> list:
    """Non-empty rows as (row number, values), values as openpyxl gives them.

    calamine's iter_rows() starts the columns at the first used one (python-calamine
    0.9: the rows at the top of the sheet); both offsets are taken from the sheet's
    start and end and the rows it yields, so either way the numbers are Excel's.
    """
    start, end = worksheet.start, worksheet.end
    if start is None or end is None:
        return []
    clean = _Cells(_calamine_value)
    rows, count, pad = [], 0, None
    for values in worksheet.iter_rows():
        if pad is None:
            pad = [None] * (end[1] + 1 - len(values))
        count += 1
        if cells := clean(pad + values if pad else values):
            rows.append((count, cells))
    if start[0] and count != end[0] + 1:  # the rows started at the first used one
        rows = [(number + start[0], cells) for number, cells in rows]
    return rows


_MIDNIGHT = dt.time()


def _calamine_value(value):
    """A calamine cell as openpyxl reads it: whole numbers as int, dates as datetimes,
    empty cells as None (cleaned with the texts in _Cells)."""
    kind = type(value)
    if kind is float:
        return int(value) if value.is_integer() and -1e15 < value < 1e15 else value
    if kind is dt.date:
        return dt.datetime.combine(value, _MIDNIGHT)
    return value


def _read_with_openpyxl(path: Path, sheet: str | None) -> tuple[list, list[str], str]:
    """As _read_workbook, by openpyxl (read-only, streaming)."""
    import openpyxl  # imported here: a CSV import should not pay for it

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
    """Cleans rows: text in NFC, blank text as None, trailing empty cells dropped;
    `convert` turns the other values as the reader needs (see _calamine_value).

    The texts of a column are cleaned once each (a dict from the text read to the
    clean one) while the column repeats itself (province, gender, group): with
    100,000 rows that saves time and tens of MB, as each text is then one object. A
    column whose values are mostly different (phones, names) stops being tracked
    after a sample.
    """

    SAMPLE = 2_000

    def __init__(self, convert: Callable | None = None):
        self.convert = convert
        self.known: list[dict | None] = []  # per column: text read -> clean text
        self.rows = 0

    def __call__(self, values) -> list:
        known, convert = self.known, self.convert
        if len(known) < len(values):
            known.extend({} for _ in range(len(values) - len(known)))
        self.rows += 1
        if self.rows == self.SAMPLE:
            self.known = known = [None if texts is None or len(texts) > self.SAMPLE // 2
                                  else texts for texts in known]
        cells = []
        append, normalize = cells.append, unicodedata.normalize
        for texts, value in zip(known, values):
            if type(value) is str:
                if texts is None:
                    value = normalize("NFC", value).strip() or None
                elif (clean := texts.get(value, _MISSING)) is not _MISSING:
                    value = clean
                else:
                    value = texts[value] = _clean_text(value)
            elif convert is not None:
                value = convert(value)
            append(value)
        while cells and cells[-1] is None:
            cells.pop()
        return cells


_MISSING = object()


def _clean_text(value: str) -> str | None:
    return unicodedata.normalize("NFC", value).strip() or None


# -- CSV --------------------------------------------------------------------------------

# The apostrophe io.export writes before a text a spreadsheet would run as a formula
# (export._csv_text: FORMULA_TRIGGERS = + - @ tab CR, also after apostrophes of the text
# itself, so that "'=x" comes back as typed): one leading apostrophe is dropped again.
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _is_quoted_formula(value: str) -> bool:
    return value.lstrip("'").startswith(_FORMULA_TRIGGERS)


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
            cells = clean([value[1:] if value[:1] == "'" and _is_quoted_formula(value)
                           else value for value in values])
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
    rows = [_padded(cells, width) for _, cells in data]
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


def _padded(cells: list, width: int) -> list:
    """`cells` (a list of ours) extended in place with None to `width` cells."""
    if len(cells) < width:
        cells.extend([None] * (width - len(cells)))
    return cells


def _is_total(cells: list) -> bool:
    """A "Tổng cộng" / "Total" row; "Tống Văn Minh" (a family name) is a customer."""
    for first in cells:
        if first is not None:
            break
    else:
        return False
    if not isinstance(first, str) or first[0] in "0123456789":  # "12", an STT: no word first
        return False
    return bool(_TOTAL.match(_NOT_WORD.sub(" ", fold(first)).strip()))
