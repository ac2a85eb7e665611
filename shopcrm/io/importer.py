"""Importing customers from a spreadsheet: a preview first, then one transaction.

`plan_import()` reads and validates every row without writing, so the wizard
can show which cells are wrong before anything changes. `run_import()` writes
the valid rows in ONE transaction: a cancel or any unexpected error rolls it
all back, and the database is exactly as before (a half-imported list is worse
than none). Rows with errors never stop an import; they are reported, and
`write_rejects()` saves them with the reason so the shop can fix and re-import.

The write step itself (matching rows to customers, batches, tags) lives in
shopcrm.io.import_writer; callers keep to the functions here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, NamedTuple

from shopcrm.core import customers, gc_pause
from shopcrm.core.errors import QT_TRANSLATE_NOOP, KnownError
from shopcrm.core.memo import Memo
from shopcrm.core.text import nfc
from shopcrm.io import mapping as mapping_module
from shopcrm.io.normalize import RowInput, parse_code, row_inputs
from shopcrm.io.readers import Table, read_table

POLICIES = ("skip", "update", "create")
NAME_FIELDS = ("name", "first_name", "middle_name", "last_name", "company")
LISTED_HEADERS = 10  # at most this many headers in a message, each at most HEADER_CHARS long
HEADER_CHARS = 40

Progress = Callable[[int, int], None]


class ImportCancelled(KnownError):
    """The user cancelled; the transaction was rolled back."""

    def __init__(self):
        super().__init__(
            QT_TRANSLATE_NOOP("errors", "The import was cancelled: nothing was changed."))


class CellError(NamedTuple):
    """An error of one row: the header of the column it is in ("" if none) and why."""

    header: str
    error: KnownError
    column: int | None = None


@dataclass(slots=True)
class PlannedRow:
    """A data row: `values` (clean, only non-blank fields) when valid, else `errors`."""

    row_number: int  # 1-based, as the spreadsheet shows it
    cells: list
    values: dict | None
    tags: list[str]
    errors: list[CellError]


@dataclass
class ImportPlan:
    path: Path
    table: Table
    mapping: dict[int, str]
    rows: list[PlannedRow]

    @property
    def valid_count(self) -> int:
        return sum(1 for row in self.rows if row.values is not None)

    @property
    def error_count(self) -> int:
        return len(self.rows) - self.valid_count


@dataclass
class ImportResult:
    batch_id: int
    headers: list[str]
    created: int = 0
    updated: int = 0
    skipped: int = 0
    rejected_rows: list[PlannedRow] = field(default_factory=list)
    skipped_rows: list[int] = field(default_factory=list)  # row numbers of duplicates skipped

    @property
    def rejected(self) -> int:
        return len(self.rejected_rows)


# -- preview ----------------------------------------------------------------------------

def plan_import(path: Path, sheet: str | None = None,
                mapping: dict[int, str] | None = None) -> ImportPlan:
    """Read `path` and validate every row under `mapping` (guessed from the headers if None)."""
    return plan_table(read_table(Path(path), sheet), Path(path), mapping)


@gc_pause.paused()
def plan_table(table: Table, path: Path, mapping: dict[int, str] | None = None) -> ImportPlan:
    """Validate an already read table; the wizard calls this again when the user re-maps."""
    mapping = mapping_module.auto_map(table.headers) if mapping is None else dict(mapping)
    _check_mapping(mapping, table.headers, table.file_name or Path(path).name)
    file_codes = _file_codes(table, mapping)
    memo = Memo()  # cells by column index, form values by field name
    inputs = row_inputs(table.rows, mapping, table.headers, memo)
    rows = [_plan_row(row, cells, number, table.headers, file_codes, memo)
            for row, cells, number in zip(inputs, table.rows, table.row_numbers)]
    if file_codes:
        _reject_orphan_referrals(rows, mapping, table.headers)
    return ImportPlan(path=Path(path), table=table, mapping=mapping, rows=rows)


# Referrers made by the same file. A "referred_by" code names a stored customer (not in
# the trash), else another row of the file: the row then carries "referrer_code", which
# import_writer resolves after inserting the new customers, in the same transaction.
# A row whose referrer is only in rejected rows of the file is rejected too (its reason
# names that row), so no referral is silently lost: fix both rows and import them again.
REFERRER_REJECTED = QT_TRANSLATE_NOOP(
    "errors", "The referrer {code} is the customer of row {row} of this file, which is "
              "rejected: fix that row too.")


def _file_codes(table: Table, mapping: dict[int, str]) -> dict[str, int]:
    """code -> first row number having it, when the file has both codes and referrers."""
    fields = set(mapping.values())
    if "code" not in fields or "referred_by" not in fields:
        return {}
    column = next(index for index, name in mapping.items() if name == "code")
    codes: dict[str, int] = {}
    for cells, number in zip(table.rows, table.row_numbers):
        try:
            code = parse_code(cells[column] if column < len(cells) else None)
        except KnownError:
            continue
        if code:
            codes.setdefault(code, number)
    return codes


def _referrer_key(value) -> str:
    return nfc(str(value)).strip().upper()


def _reject_orphan_referrals(rows: list[PlannedRow], mapping: dict[int, str],
                             headers: list[str]) -> None:
    """Rejects rows referring to a code only rejected rows of the file have, and so on
    down a chain of referrals (a worklist: each row is rejected at most once)."""
    column = next(index for index, name in mapping.items() if name == "referred_by")
    valid: dict[str, int] = {}  # code -> how many valid rows have it
    rejected_at: dict[str, int] = {}  # code -> the first rejected row having it
    referring: dict[str, list[PlannedRow]] = {}
    for row in rows:
        if row.values is None:
            code = _row_code(row, mapping)
            if code:
                rejected_at.setdefault(code, row.row_number)
            continue
        if "code" in row.values:
            valid[row.values["code"]] = valid.get(row.values["code"], 0) + 1
        if row.values.get("referrer_code"):
            referring.setdefault(row.values["referrer_code"], []).append(row)
    orphans = [code for code in referring if not valid.get(code)]
    while orphans:
        code = orphans.pop()
        for row in referring.pop(code, ()):
            if row.values is None:
                continue
            own = row.values.get("code")
            error = KnownError(REFERRER_REJECTED, code=code, row=rejected_at.get(code, "?"))
            row.errors = [CellError(headers[column], error, column)]
            row.values = None
            if own:
                rejected_at.setdefault(own, row.row_number)
                valid[own] -= 1
                if not valid[own]:
                    orphans.append(own)


def _row_code(row: PlannedRow, mapping: dict[int, str]) -> str | None:
    column = next(index for index, name in mapping.items() if name == "code")
    try:
        return parse_code(row.cells[column] if column < len(row.cells) else None)
    except KnownError:
        return None


def _check_mapping(mapping: dict[int, str], headers: list[str], file_name: str) -> None:
    for index, name in mapping.items():
        if not 0 <= index < len(headers) or name not in mapping_module.TARGET_FIELDS:
            raise ValueError(f"bad mapping entry {index}: {name!r}")
    fields = list(mapping.values())
    for name in set(fields):
        if fields.count(name) > 1:
            raise KnownError(
                QT_TRANSLATE_NOOP("errors", "Two columns are set to {field}: choose one."),
                field=name)
    if not set(fields) & set(NAME_FIELDS):
        raise KnownError(QT_TRANSLATE_NOOP(
            "errors", "No column holds the customers' names in {name} (its columns: {headers}): "
                      "choose which column is the name."),
            name=file_name, headers=_header_list(headers))


def _header_list(headers: list[str]) -> str:
    """The non-empty headers as "A, B, C", shortened for a message."""
    shown = [header if len(header) <= HEADER_CHARS else header[:HEADER_CHARS - 1] + "…"
             for header in headers if header]
    if len(shown) > LISTED_HEADERS:
        shown = [*shown[:LISTED_HEADERS], "…"]
    return ", ".join(shown)


def _plan_row(row: RowInput, cells: list, number: int, headers: list[str],
              file_codes: dict[str, int], memo: Memo) -> PlannedRow:
    referrer = row.form.pop("referred_by", None) if file_codes else None
    try:
        cleaned = customers.clean(row.form, memo)
    except customers.FormErrors as exc:
        for name, error in exc.errors.items():
            row.errors.setdefault(row.sources.get(name), error)
        cleaned = {}
    if referrer is not None:
        try:  # a stored customer first, with the form's own rule and message
            cleaned["referred_by"] = customers.clean({"referred_by": referrer}, memo)["referred_by"]
        except customers.FormErrors as exc:
            if _referrer_key(referrer) in file_codes:
                cleaned["referrer_code"] = _referrer_key(referrer)
            else:
                row.errors.setdefault(row.sources.get("referred_by"), exc.errors["referred_by"])
    if row.errors:
        errors = [CellError(headers[col] if col is not None else "", error, col)
                  for col, error in sorted(row.errors.items(), key=lambda item: item[0] or 0)]
        return PlannedRow(number, cells, None, row.tags, errors)
    values = {key: value for key, value in cleaned.items() if value is not None and value != ""}
    if row.code:
        values["code"] = row.code
    return PlannedRow(number, cells, values, row.tags, [])


# -- writing ----------------------------------------------------------------------------

@gc_pause.paused()
def run_import(plan: ImportPlan, duplicate_policy: str = "skip", progress: Progress | None = None,
               cancel: Callable[[], bool] | None = None, user: str | None = None,
               backup_folder: Path | None = None, dry_run: bool = False) -> ImportResult:
    """Write the plan's valid rows in one transaction (see import_writer), after a
    "before-import" backup of an SQLite database into `backup_folder` (default
    backup_dir()): a wrong import can always be undone by restoring it.

    A row is a duplicate when its code, else its phone, else its email belongs to a
    customer (not in the trash) or to an earlier row of the file. "skip" leaves the
    existing customer alone, "update" writes the row's non-empty fields over it (the
    code never changes; tags are added), "create" makes a new customer anyway (a
    code already in use is then a rejected row: codes are unique).

    With `dry_run` ("Test"), the very same writing runs and is rolled back: the result
    says what would be created, updated, skipped and rejected; nothing is kept (no
    backup is taken either). Its batch_id is then 0.
    """
    if duplicate_policy not in POLICIES:
        raise ValueError(f"duplicate_policy must be one of {POLICIES}")
    from shopcrm.io import import_writer  # it builds on the types above

    if dry_run:
        return rolled_back(import_writer.write_in_transaction, plan, duplicate_policy, progress,
                           cancel, user)
    return import_writer.write(plan, duplicate_policy, progress, cancel, user, backup_folder)


def rolled_back(write: Callable[..., ImportResult], *args) -> ImportResult:
    """The result of `write(*args)` run in a transaction that is then rolled back."""
    from shopcrm.db.connection import db

    with db.atomic() as transaction:
        result = write(*args)
        transaction.rollback()
    result.batch_id = 0
    return result


# -- rejected rows back to a spreadsheet -----------------------------------------------

def write_rejects(result: ImportResult, path: Path, error_header: str = "Lỗi",
                  describe: Callable[[KnownError], str] = str) -> Path:
    """Save the rejected rows with a reason column as .xlsx, to fix and import again.

    `describe` turns an error into text (the UI passes its translator; the default
    is the English message) and `error_header` names the reason column.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    from shopcrm.io.export import xlsx_text  # imported here, as openpyxl: only when saving

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Rejected")

    def cell(value):
        # The cells come from the user's file: a text must stay text (a "=cmd|..." cell
        # must not become a live formula) and lose the control characters Excel refuses.
        if isinstance(value, str):
            return xlsx_text(sheet, value)
        if isinstance(value, (dt.date, dt.datetime)):
            value = WriteOnlyCell(sheet, value=value)
            value.number_format = "dd/mm/yyyy"
        return value

    sheet.append([cell(value) for value in [*result.headers, error_header]])
    for row in result.rejected_rows:
        reasons = "; ".join(f"{e.header}: {describe(e.error)}" if e.header else describe(e.error)
                            for e in row.errors)
        sheet.append([cell(value) for value in [*row.cells, reasons]])
    path = Path(path)
    workbook.save(path)
    return path
