"""Exporting customers to Excel (.xlsx) or CSV, in a form the import can read back.

Phones stay text (the leading 0 survives), dates are real dates in .xlsx and
dd/mm/yyyy in CSV, choice fields are written as labels of the chosen language.
Text that a spreadsheet would run as a formula is neutralised (OWASP "CSV
injection"): an explicit string cell in .xlsx, a leading apostrophe in CSV.
The file is written beside the target and renamed into place at the end, so a
cancelled or failed export never leaves a half file nor destroys an older one.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Callable, Iterator

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from shopcrm.core.errors import QT_TRANSLATE_NOOP, KnownError
from shopcrm.db.connection import is_read_only, read_transaction
from shopcrm.db.models import AuditLog, Customer, CustomerTag, Tag

PROGRESS_EVERY = 1000
CHUNK = 500  # ids per query when exporting a selection
TAG_SEPARATOR = "|"
DATE_FORMAT = "DD/MM/YYYY"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

FIELDS = (
    "code", "name", "phone", "phone2", "email", "birthday", "gender", "kind", "address",
    "ward", "district", "province", "source", "tags", "notes", "created_at",
)
_HEADERS = {
    "vi": ("Mã khách hàng", "Tên khách hàng", "Điện thoại", "Điện thoại 2", "Email", "Ngày sinh",
           "Giới tính", "Loại khách", "Địa chỉ", "Phường/Xã", "Quận/Huyện", "Tỉnh/Thành phố",
           "Nguồn", "Nhóm khách hàng", "Ghi chú", "Ngày tạo"),
    "en": ("Customer code", "Name", "Phone", "Phone 2", "Email", "Birthday", "Gender", "Kind",
           "Address", "Ward", "District", "Province/City", "Source", "Customer groups", "Notes",
           "Created on"),
}
# Labels of the choice values, per language; the import maps them back to the keys.
LABELS = {
    "vi": {
        "gender": {"unknown": "", "male": "Nam", "female": "Nữ", "other": "Khác"},
        "kind": {"individual": "Cá nhân", "organisation": "Tổ chức"},
        "source": {"walk_in": "Đến trực tiếp", "social": "Mạng xã hội", "website": "Website",
                   "referral": "Được giới thiệu", "advertising": "Quảng cáo",
                   "media": "Báo đài", "other": "Khác"},
    },
    "en": {
        "gender": {"unknown": "", "male": "Male", "female": "Female", "other": "Other"},
        "kind": {"individual": "Individual", "organisation": "Organisation"},
        "source": {"walk_in": "Walk-in", "social": "Social media", "website": "Website",
                   "referral": "Referral", "advertising": "Advertising", "media": "Press/media",
                   "other": "Other"},
    },
}
_COLUMNS = (Customer.id, Customer.code, Customer.name, Customer.phone, Customer.phone2,
            Customer.email, Customer.birthday, Customer.gender, Customer.kind, Customer.address,
            Customer.ward, Customer.district, Customer.province, Customer.source, Customer.notes,
            Customer.created_at)
_WIDTHS = (11, 28, 13, 13, 26, 12, 9, 11, 30, 16, 16, 16, 15, 22, 40, 12)


class ExportError(KnownError):
    """The export could not be written."""


class Cancelled(KnownError):
    def __init__(self) -> None:
        super().__init__(QT_TRANSLATE_NOOP("errors", "Export cancelled; no file was written."))


def headers(language: str = "vi") -> tuple[str, ...]:
    """Column headers in `language` ("vi" or "en"), in the order of FIELDS."""
    return _HEADERS.get(language, _HEADERS["vi"])


def export_customers(
    path: Path | str,
    ids: list[int] | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    language: str = "vi",
    user: str | None = None,
) -> int:
    """Write customers `ids` (in that order; else all not in the trash, by name) to `path`.

    The suffix picks the format (.xlsx or .csv). Returns the number of customers written;
    raises Cancelled when `cancel()` says so, and ExportError when the file cannot be written.
    """
    path = Path(path).absolute()
    writer = {".xlsx": _write_xlsx, ".csv": _write_csv}.get(path.suffix.lower())
    if writer is None:
        raise ExportError(QT_TRANSLATE_NOOP(
            "errors", "Cannot export to {name}: choose a file name ending in .xlsx or .csv."),
            name=path.name)
    labels = LABELS.get(language, LABELS["vi"])
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
        os.close(fd)
    except OSError as exc:
        raise _write_error(path, exc) from exc
    temp = Path(name)
    try:
        with read_transaction():  # one snapshot for the customers and their tags
            total = len(ids) if ids is not None else _all_customers().count()
            rows = _checked(_rows(ids, labels), total, progress, cancel)
            written = writer(temp, rows, headers(language), language)
        if cancel is not None and cancel():
            raise Cancelled()
        os.replace(temp, path)
    except OSError as exc:
        _remove(temp)
        raise _write_error(path, exc) from exc
    except BaseException:
        _remove(temp)
        raise
    if not is_read_only():  # a damaged or busy database opened read-only can still export
        AuditLog.create(user=user, action="export",
                        details=f"{written} customers to {path.name}")
    return written


def _all_customers():
    return Customer.select(*_COLUMNS).where(Customer.deleted_at.is_null())


def _rows(ids: list[int] | None, labels: dict) -> Iterator[list]:
    """Rows of export values (str, date or None) in the order of FIELDS."""
    if ids is None:
        tags = _tags(CustomerTag.customer.in_(
            Customer.select(Customer.id).where(Customer.deleted_at.is_null())))
        query = _all_customers().order_by(Customer.sort_key, Customer.id)
        for row in query.tuples().iterator():
            yield _values(row, tags, labels)
        return
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        found = {row[0]: row for row in
                 Customer.select(*_COLUMNS).where(Customer.id.in_(chunk)).tuples()}
        tags = _tags(CustomerTag.customer.in_(chunk))
        for customer_id in chunk:
            if customer_id in found:
                yield _values(found[customer_id], tags, labels)


def _tags(condition) -> dict[int, str]:
    """customer id -> "tag1|tag2", from one query ordered by customer and tag name."""
    grouped: dict[int, list[str]] = {}
    query = (CustomerTag.select(CustomerTag.customer, Tag.name).join(Tag).where(condition)
             .order_by(CustomerTag.customer, Tag.name).tuples())
    for customer_id, tag in query.iterator():
        grouped.setdefault(customer_id, []).append(tag)
    return {customer_id: TAG_SEPARATOR.join(names) for customer_id, names in grouped.items()}


def _values(row: tuple, tags: dict[int, str], labels: dict) -> list:
    (customer_id, code, name, phone, phone2, email, birthday, gender, kind, address, ward,
     district, province, source, notes, created_at) = row
    return [
        code, name, phone, phone2, email, birthday, labels["gender"].get(gender, gender),
        labels["kind"].get(kind, kind), address, ward, district, province,
        labels["source"].get(source, source) if source else None, tags.get(customer_id),
        notes, _local_date(created_at),
    ]


def _local_date(utc: dt.datetime | None) -> dt.date | None:
    """The shop's calendar day of a stored (naive UTC) timestamp."""
    if utc is None:
        return None
    return utc.replace(tzinfo=dt.timezone.utc).astimezone().date()


def _checked(rows: Iterator[list], total: int, progress, cancel) -> Iterator[list]:
    """The rows, asking `cancel()` and telling `progress(done, total)` every PROGRESS_EVERY."""
    done = 0
    for done, row in enumerate(rows):
        if done % PROGRESS_EVERY == 0:
            if cancel is not None and cancel():
                raise Cancelled()
            if progress is not None and done:
                progress(done, total)
        yield row
    if progress is not None:
        progress(total, total)


def _write_csv(path: Path, rows: Iterator[list], header: tuple[str, ...], language: str) -> int:
    count = 0
    # UTF-8 with a BOM: Excel then reads the Vietnamese letters correctly.
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(header)
        for row in rows:
            out.writerow([_csv_text(value) for value in row])
            count += 1
    return count


def _csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def _write_xlsx(path: Path, rows: Iterator[list], header: tuple[str, ...], language: str) -> int:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Khách hàng" if language == "vi" else "Customers")
    for index, width in enumerate(_WIDTHS):
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    bold = Font(bold=True)
    sheet.append([_styled(sheet, text, font=bold) for text in header])
    # One styled cell per date column, reused: a write-only sheet writes each row out
    # as soon as it is appended (as openpyxl itself does with its unstyled cell).
    date_columns = [i for i, field in enumerate(FIELDS) if field in ("birthday", "created_at")]
    date_cells = {i: _styled(sheet, None, number_format=DATE_FORMAT) for i in date_columns}
    count = 0
    try:
        for row in rows:
            for i, value in enumerate(row):
                if isinstance(value, str):
                    row[i] = xlsx_text(sheet, value)
                elif value is not None and i in date_cells:
                    date_cells[i].value = value
                    row[i] = date_cells[i]
            sheet.append(row)
            count += 1
    except BaseException:
        _discard(workbook, path)
        raise
    workbook.save(path)
    return count


def _discard(workbook: Workbook, path: Path) -> None:
    """Finish an abandoned workbook into `path` (deleted by the caller): openpyxl would
    otherwise keep the sheet's rows in its own temporary file until the program exits."""
    try:
        workbook.save(path)
    except Exception:  # the error that stopped the export is the one to report
        pass


def xlsx_text(sheet, value: str):
    """The text for a cell of write-only `sheet`, never a formula nor an error value.

    What openpyxl would store, without the control characters Excel refuses; a text
    starting with "=" or equal to an error code ("#N/A") becomes an explicit string cell.
    Shared with importer.write_rejects, which writes back cells of the user's own file.
    """
    if ILLEGAL_CHARACTERS_RE.search(value):  # control characters Excel refuses
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith("=") or value in ERROR_CODES:
        cell = _styled(sheet, None, quotePrefix=True)
        cell.value = value
        cell.data_type = "s"  # an explicit string, never a formula
        return cell
    return value


def _styled(sheet, value, **style) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def _remove(temp: Path) -> None:
    try:
        temp.unlink(missing_ok=True)
    except OSError:  # never hide the error that stopped the export
        pass


def _write_error(path: Path, exc: OSError) -> ExportError:
    return ExportError(QT_TRANSLATE_NOOP("errors", "Cannot write {path}: {reason}"),
                       path=str(path), reason=exc.strerror or str(exc))
