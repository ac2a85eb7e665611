"""Importing a shop's sales history: one purchase per row, attached to a known customer.

A row names its customer by customer code, else by phone (either of the customer's
two numbers), and gives the date and the amount; description, channel and note are
optional. Headers are recognised in Vietnamese and English, including the invoice
exports of KiotViet and Sapo ("Mã hóa đơn, Thời gian, Mã khách hàng, Khách hàng,
Điện thoại, Tổng tiền hàng, Giảm giá, Khách cần trả, …").

As for customers (importer.py), `plan_purchases()` reads and validates every row
without writing (a row whose customer cannot be found is rejected with the reason),
and `run_purchase_import()` writes the valid rows in ONE transaction recorded as an
ImportBatch (kind "purchases"; each purchase points to it by Purchase.import_batch,
which is how undo finds them), then recomputes the segments, which purchases feed. Amounts go through
normalize.parse_money, dates through normalize.parse_date_cell: the same rules as
the customer import.

Duplicates: with the "skip" policy (the default; "update" means the same, as there
is nothing to update in a purchase) a row equal to a purchase already stored (same
customer, date, amount and description) is skipped, so importing the same file twice
adds nothing; "create" imports every row.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import peewee

from shopcrm.core import gc_pause, phones, segments
from shopcrm.core.dates import as_date
from shopcrm.core.errors import QT_TRANSLATE_NOOP, KnownError, ValidationError
from shopcrm.db import auto_backup, backup, bulk
from shopcrm.db.connection import db
from shopcrm.db.models import AuditLog, Customer, ImportBatch, Purchase, utcnow
from shopcrm.io import normalize
from shopcrm.io.importer import (
    POLICIES, CellError, ImportCancelled, ImportPlan, ImportResult, PlannedRow, Progress,
    rolled_back,
)
from shopcrm.io.mapping import IGNORED, header_key, mapping_by_header
from shopcrm.io.readers import Table, read_table

TARGET_FIELDS = ("customer_code", "customer_phone", "date", "amount", "description",
                 "channel", "note")
CUSTOMER_FIELDS = ("customer_code", "customer_phone")
DESCRIPTION_MAX = 500
INSERT_BATCH = 5_000

_VARIANTS: dict[str, tuple[str, ...]] = {
    "customer_code": ("Mã khách hàng", "Mã KH", "Customer code", "Customer ID", "Mã khách"),
    "customer_phone": ("Số điện thoại", "SĐT", "Điện thoại", "Di động", "Điện thoại khách hàng",
                       "SĐT khách hàng", "Phone", "Mobile", "Phone number", "Customer phone"),
    "date": ("Ngày mua", "Ngày bán", "Ngày", "Ngày giao dịch", "Ngày hóa đơn", "Ngày tạo",
             "Thời gian", "Ngày đặt hàng", "Date", "Purchase date", "Order date",
             "Invoice date", "Created at"),
    "amount": ("Số tiền", "Thành tiền", "Khách cần trả", "Tổng tiền", "Tổng tiền hàng",
               "Tổng thanh toán", "Doanh thu", "Giá trị", "Giá trị đơn hàng", "Amount",
               "Total", "Total amount", "Order total", "Value", "Sales"),
    "description": ("Mô tả", "Nội dung", "Sản phẩm", "Tên hàng", "Hàng hóa", "Diễn giải",
                    "Tên sản phẩm", "Description", "Product", "Products", "Items"),
    "channel": ("Kênh bán", "Kênh", "Kênh bán hàng", "Nguồn đơn", "Channel", "Sales channel"),
    "note": ("Ghi chú", "Note", "Notes"),
    IGNORED: ("STT", "TT", "No.", "Mã hóa đơn", "Mã đơn hàng", "Mã HĐ", "Mã đơn", "Invoice",
              "Invoice ID", "Order ID", "Khách hàng", "Tên khách hàng", "Họ tên", "Customer",
              "Customer name", "Name", "Giảm giá", "Khách đã trả", "Discount", "Chi nhánh",
              "Người bán", "Trạng thái", "Status"),
}
_TABLE: dict[str, tuple[str, int]] = {}
for _field, _spellings in _VARIANTS.items():
    for _rank, _spelling in enumerate(_spellings):
        _TABLE.setdefault(header_key(_spelling), (_field, _rank))

_CHANNELS = (  # looked for as words inside the cell, in this order
    ("zalo", ("zalo",)),
    ("facebook", ("facebook", "fb", "messenger")),
    ("phone", ("dien thoai", "goi dien", "phone", "hotline", "telephone")),
    ("online", ("online", "website", "web", "shopee", "lazada", "tiki", "tiktok", "sendo",
                "trang web", "ecommerce")),
    ("store", ("cua hang", "tai cua hang", "tai quay", "quay", "store", "shop", "offline",
               "truc tiep", "ban le")),
)

NO_CUSTOMER_COLUMN = QT_TRANSLATE_NOOP(
    "errors", "No column of {name} holds the customer code or phone (its columns: {headers}): "
              "choose which column says whose purchase it is.")
NO_COLUMN = QT_TRANSLATE_NOOP(
    "errors", "No column of {name} holds the {what} of the purchases (its columns: {headers}): "
              "choose which column it is.")
TWO_COLUMNS = QT_TRANSLATE_NOOP("errors", "Two columns are set to {field}: choose one.")
NO_CUSTOMER_GIVEN = QT_TRANSLATE_NOOP(
    "errors", "The row does not say whose purchase it is: give the customer code or phone.")
UNKNOWN_CODE = QT_TRANSLATE_NOOP("errors", "No customer has the code {code}.")
UNKNOWN_PHONE = QT_TRANSLATE_NOOP("errors", "No customer has the phone number {phone}.")
SHARED_PHONE = QT_TRANSLATE_NOOP(
    "errors", "{count} customers have the phone number {phone}: give the customer code.")
NO_DATE = QT_TRANSLATE_NOOP("errors", "The date of the purchase is missing.")
NO_AMOUNT = QT_TRANSLATE_NOOP("errors", "The amount of the purchase is missing.")
NEGATIVE = QT_TRANSLATE_NOOP(
    "errors", "{amount} is below zero: a purchase amount cannot be negative (record returns "
              "apart).")
TOO_LONG = QT_TRANSLATE_NOOP("errors", "The text is too long: at most {limit} characters.")
GONE = QT_TRANSLATE_NOOP("errors", "The customer of this row was deleted meanwhile.")


# -- mapping ------------------------------------------------------------------------------

def field_for_header(header: object) -> str | None:
    found = _TABLE.get(header_key(header))
    return found[0] if found else None


def is_purchase_header(header: object) -> bool:
    return header_key(header) in _TABLE


def auto_map(headers: list[str]) -> dict[int, str]:
    """Column index -> purchase field for the recognised columns, each field once."""
    candidates = sorted((found[1], index, found[0]) for index, header in enumerate(headers)
                        if (found := _TABLE.get(header_key(header))) and found[0] != IGNORED)
    mapping: dict[int, str] = {}
    for _rank, index, field in candidates:
        if field not in mapping.values():
            mapping[index] = field
    return dict(sorted(mapping.items()))


def parse_channel(value) -> str | None:
    """Where it was sold: store, phone, online, zalo, facebook, else other; blank -> None."""
    if normalize.is_blank(value):
        return None
    words = f" {normalize._key(value)} "
    for channel, phrases in _CHANNELS:
        if any(f" {phrase} " in words for phrase in phrases):
            return channel
    return "other"


# -- preview ------------------------------------------------------------------------------

def plan_purchases(path: Path, sheet: str | None = None,
                   mapping: dict[int, str] | None = None) -> ImportPlan:
    """Read `path` and check every row, its customer included, without writing."""
    table = read_table(Path(path), sheet, is_header=is_purchase_header)
    return plan_purchase_table(table, Path(path), mapping)


@gc_pause.paused()
def plan_purchase_table(table: Table, path: Path,
                        mapping: dict[int, str] | None = None) -> ImportPlan:
    """Check an already read table (again when the user re-maps a column)."""
    mapping = auto_map(table.headers) if mapping is None else dict(mapping)
    _check_mapping(mapping, table.headers, table.file_name or Path(path).name)
    index = _CustomerIndex()
    rows = [_plan_row(cells, number, mapping, table.headers, index)
            for cells, number in zip(table.rows, table.row_numbers)]
    return ImportPlan(path=Path(path), table=table, mapping=mapping, rows=rows)


def _check_mapping(mapping: dict[int, str], headers: list[str], file_name: str) -> None:
    from shopcrm.io.importer import _header_list

    for index, name in mapping.items():
        if not 0 <= index < len(headers) or name not in TARGET_FIELDS:
            raise ValueError(f"bad mapping entry {index}: {name!r}")
    fields = list(mapping.values())
    for name in set(fields):
        if fields.count(name) > 1:
            raise KnownError(TWO_COLUMNS, field=name)
    listed = _header_list(headers)
    if not set(fields) & set(CUSTOMER_FIELDS):
        raise KnownError(NO_CUSTOMER_COLUMN, name=file_name, headers=listed)
    for name, what in (("date", "date"), ("amount", "amount")):
        if name not in fields:
            raise KnownError(NO_COLUMN, name=file_name, what=what, headers=listed)


class _CustomerIndex:
    """Codes and phones of the customers not in the trash, read once."""

    def __init__(self):
        self.codes: dict[str, int] = {}
        self.phones: dict[str, list[int]] = {}
        query = (Customer.select(Customer.id, Customer.code, Customer.phone, Customer.phone2)
                 .where(Customer.deleted_at.is_null()).tuples())
        for cid, code, phone, phone2 in query.iterator():
            self.codes[code] = cid
            for number in {phone, phone2} - {None}:
                self.phones.setdefault(number, []).append(cid)


def _plan_row(cells: list, number: int, mapping: dict[int, str], headers: list[str],
              index: _CustomerIndex) -> PlannedRow:
    values: dict = {}
    errors: dict[int | None, KnownError] = {}
    columns = {name: col for col, name in mapping.items()}
    for col, name in mapping.items():
        value = cells[col] if col < len(cells) else None
        try:
            parsed = _parse(name, value)
        except ValidationError as exc:
            errors[col] = exc
            continue
        if parsed is not None:
            values[name] = parsed
    for name, message in (("date", NO_DATE), ("amount", NO_AMOUNT)):
        if name not in values and columns[name] not in errors:
            errors[columns[name]] = ValidationError(message)
    if values.get("amount") is not None and values["amount"] < 0:
        errors[columns["amount"]] = ValidationError(
            NEGATIVE, amount=normalize.text_value(cells[columns["amount"]]))
    if not any(columns.get(name) in errors for name in CUSTOMER_FIELDS):
        found = _find_customer(values, index)
        if isinstance(found, KnownError):
            column = columns.get("customer_code" if values.get("customer_code")
                                 else "customer_phone", next(iter(columns.values())))
            errors.setdefault(column, found)
        else:
            values["customer"] = found
    if errors:
        listed = [CellError(headers[col] if col is not None else "", error, col)
                  for col, error in sorted(errors.items(), key=lambda item: item[0] or 0)]
        return PlannedRow(number, cells, None, [], listed)
    return PlannedRow(number, cells, values, [], [])


def _parse(name: str, value):
    if name == "customer_code":
        return normalize.parse_code(value)
    if name == "customer_phone":
        return phones.normalize_phone(normalize.phone_text(value))
    if name == "date":
        return normalize.parse_date_cell(value)
    if name == "amount":
        return normalize.parse_money(value)
    if name == "channel":
        return parse_channel(value)
    text = normalize.text_value(value)
    if name == "description" and text and len(text) > DESCRIPTION_MAX:
        raise ValidationError(TOO_LONG, limit=DESCRIPTION_MAX)
    return text


def _find_customer(values: dict, index: _CustomerIndex) -> int | KnownError:
    """The customer id by code, else by phone; a KnownError saying why not found."""
    code, phone = values.get("customer_code"), values.get("customer_phone")
    if code and code in index.codes:
        return index.codes[code]
    if phone:
        ids = index.phones.get(phone, [])
        if len(ids) == 1:
            return ids[0]
        if ids:
            return ValidationError(SHARED_PHONE, count=len(ids), phone=phones.format_phone(phone))
        if not code:
            return ValidationError(UNKNOWN_PHONE, phone=phones.format_phone(phone))
    if code:
        return ValidationError(UNKNOWN_CODE, code=code)
    return ValidationError(NO_CUSTOMER_GIVEN)


# -- writing ------------------------------------------------------------------------------

@gc_pause.paused()
def run_purchase_import(plan: ImportPlan, duplicate_policy: str = "skip",
                        progress: Progress | None = None,
                        cancel: Callable[[], bool] | None = None, user: str | None = None,
                        backup_folder: Path | None = None, dry_run: bool = False
                        ) -> ImportResult:
    """Write the plan's valid purchases in one transaction (after an SQLite backup);
    with `dry_run`, write them and roll back (see importer.run_import)."""
    if duplicate_policy not in POLICIES:
        raise ValueError(f"duplicate_policy must be one of {POLICIES}")
    if dry_run:
        return rolled_back(_write, plan, duplicate_policy, progress, cancel, user)
    auto_backup.take_backup(backup_folder or backup.backup_dir(), "before-import")
    with db.atomic():
        return _write(plan, duplicate_policy, progress, cancel, user)


def _write(plan: ImportPlan, policy: str, progress, cancel, user) -> ImportResult:
    result = ImportResult(batch_id=0, headers=plan.table.headers)
    batch = ImportBatch.create(
        file_name=plan.path.name, sheet=plan.table.sheet, rows_total=len(plan.rows),
        kind="purchases",
        mapping=json.dumps(mapping_by_header(plan.table.headers, plan.mapping),
                           ensure_ascii=False))
    result.batch_id = batch.id
    live = {cid for (cid,) in Customer.select(Customer.id).tuples().iterator()}
    stored = _stored_purchases() if policy != "create" else set()
    now = utcnow()
    rows = []
    for row in plan.rows:
        if row.values is None:
            result.rejected_rows.append(row)
            continue
        values = row.values
        if values["customer"] not in live:
            result.rejected_rows.append(PlannedRow(row.row_number, row.cells, None, [],
                                                   [CellError("", ValidationError(GONE))]))
            continue
        key = (values["customer"], values["date"], values["amount"], values.get("description"))
        if key in stored:
            result.skipped += 1
            result.skipped_rows.append(row.row_number)
            continue
        rows.append((values["customer"], values["date"], values.get("description"),
                     values["amount"], values.get("channel") or "store", values.get("note"), now,
                     batch.id))
    fields = (Purchase.customer, Purchase.date, Purchase.description, Purchase.amount,
              Purchase.channel, Purchase.note, Purchase.created_at, Purchase.import_batch)
    for start, chunk in zip(range(0, len(rows), INSERT_BATCH), peewee.chunked(rows, INSERT_BATCH)):
        if cancel is not None and cancel():
            raise ImportCancelled()
        bulk.insert_rows(Purchase, fields, chunk)
        if progress is not None:
            progress(start + len(chunk), len(rows))
    result.created = len(rows)
    if rows:
        segments.recompute_all()
    ImportBatch.update(finished_at=utcnow(), rows_created=result.created,
                       rows_skipped=result.skipped, rows_rejected=result.rejected
                       ).where(ImportBatch.id == batch.id).execute()
    AuditLog.create(user=user, action="import", details=json.dumps({
        "batch": batch.id, "kind": "purchases", "file": plan.path.name,
        "sheet": plan.table.sheet, "created": result.created, "skipped": result.skipped,
        "rejected": result.rejected, "policy": policy}, ensure_ascii=False))
    return result


def _stored_purchases() -> set[tuple]:
    query = Purchase.select(Purchase.customer, Purchase.date, Purchase.amount,
                            Purchase.description).tuples()
    return {(cid, as_date(date), amount, description)
            for cid, date, amount, description in query.iterator()}
