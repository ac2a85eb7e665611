"""Importing a customer's history: interactions, feedback and care tasks, one per row.

These are the sheets the export writes ("Tương tác"/"Interactions", "Phản hồi"/
"Feedback", "Chăm sóc"/"Care tasks"), linked to their customer by customer code,
else phone (either of the customer's numbers), as for purchases (io.purchases,
whose customer lookup this module shares). Headers are recognised in Vietnamese and
English; the choice columns take the export's labels in either language or the
stored keys ("Gọi điện", "Call", "call").

`plan_record_table()` reads and validates every row without writing; the values go
through the core's own cleaners (core.interactions.clean, core.feedback.clean_rating,
core.care.parse_recurrence, interactions.clean_at for every timestamp), so a row is
accepted exactly when the form would accept it. Times in the file are the shop's
local time, as the export writes them, and are stored in UTC.

`run_record_import()` writes the valid rows in ONE transaction, recorded as an
ImportBatch of the kind ("interactions", "feedback" or "tasks") with an AuditLog entry.
Under the "skip" policy (the default; "update" means the same: there is nothing to
update) a row equal to a record already stored is skipped: same customer, same time
(to the second) and same text (interactions: summary; feedback: comment; tasks: due
date, task type and title). "create" imports every row.

Every record written notes its import (import_batch), so the import history can undo
the import by deleting them (import_history.undo_import).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from pathlib import Path
from typing import Callable

import peewee

from shopcrm.core import care, feedback, gc_pause, interactions, phones
from shopcrm.core.errors import QT_TRANSLATE_NOOP, KnownError, ValidationError
from shopcrm.db import auto_backup, backup, bulk
from shopcrm.db.connection import db
from shopcrm.db.models import (
    COMPLAINT_STATUS_CHOICES, STAGE_CHOICES, TASK_STATUS_CHOICES, TASK_TYPE_CHOICES, AuditLog,
    CareTask, Customer, Feedback, ImportBatch, Interaction, utcnow,
)
from shopcrm.io import normalize
from shopcrm.io.importer import (
    POLICIES, CellError, ImportCancelled, ImportPlan, ImportResult, PlannedRow, Progress,
    rolled_back,
)
from shopcrm.io.mapping import IGNORED, header_key, mapping_by_header
from shopcrm.io.purchases import (
    CUSTOMER_FIELDS, GONE, NO_CUSTOMER_COLUMN, TOO_LONG, TWO_COLUMNS, _CustomerIndex,
    _find_customer,
)
from shopcrm.io.readers import Table, read_table

KINDS = ("interactions", "feedback", "tasks")
INSERT_BATCH = 2_000
TEXT_MAX = 100_000  # summary, comment, resolution, outcome: a sanity limit

_LINK_VARIANTS = {
    "customer_code": ("Mã khách hàng", "Mã KH", "Customer code", "Customer ID", "Mã khách"),
    "customer_phone": ("Số điện thoại", "SĐT", "Điện thoại", "Di động", "Phone", "Mobile",
                       "Phone number", "Customer phone"),
}
_IGNORED = ("STT", "TT", "No.", "Tên khách hàng", "Khách hàng", "Họ tên", "Customer name",
            "Customer", "Name")
_VARIANTS: dict[str, dict[str, tuple[str, ...]]] = {
    "interactions": {
        "at": ("Thời gian", "Ngày", "Ngày giờ", "Time", "Date", "Date and time"),
        "kind": ("Loại", "Hình thức", "Kind", "Type"),
        "summary": ("Nội dung", "Tóm tắt", "Ghi chú", "Summary", "Note", "Notes"),
        "staff": ("Nhân viên", "Người thực hiện", "Staff", "By"),
    },
    "feedback": {
        "at": ("Thời gian", "Ngày", "Time", "Date"),
        "rating": ("Số sao", "Đánh giá", "Sao", "Rating", "Stars"),
        "kind": ("Loại", "Kind", "Type"),
        "comment": ("Nội dung", "Ý kiến", "Nhận xét", "Comment", "Comments"),
        "status": ("Trạng thái", "Status"),
        "handler": ("Người xử lý", "Handler"),
        "resolution": ("Cách giải quyết", "Giải quyết", "Resolution"),
        "resolved_at": ("Thời gian giải quyết", "Ngày giải quyết", "Resolved at"),
    },
    "tasks": {
        "task_type": ("Loại việc", "Loại", "Task type", "Type"),
        "stage": ("Giai đoạn", "Stage"),
        "step": ("Bước", "Step"),
        "title": ("Tiêu đề", "Việc", "Title", "Task"),
        "due_date": ("Hạn", "Ngày hẹn", "Ngày đến hạn", "Due date", "Due"),
        "due_time": ("Giờ", "Giờ hẹn", "Due time"),
        "recurrence": ("Lặp lại", "Recurrence", "Repeat"),
        "status": ("Trạng thái", "Status"),
        "outcome": ("Kết quả", "Outcome"),
        "assigned_to": ("Người phụ trách", "Phụ trách", "Assigned to"),
        "created_at": ("Ngày tạo", "Created at"),
        "done_at": ("Ngày xong", "Done at"),
    },
}
_WHAT = {"at": "time", "summary": "summary", "kind": "kind", "due_date": "due date"}
REQUIRED = {"interactions": ("at", "summary"), "feedback": ("at", "kind"),
            "tasks": ("due_date",)}
TARGET_FIELDS = {kind: (*CUSTOMER_FIELDS, *fields) for kind, fields in _VARIANTS.items()}
_LABEL_GROUPS = {("interactions", "kind"): "interaction_kind",
                 ("feedback", "kind"): "feedback_kind",
                 ("feedback", "status"): "complaint_status",
                 ("tasks", "task_type"): "task_type", ("tasks", "stage"): "stage",
                 ("tasks", "status"): "task_status"}
_TASK_CHOICES = {"task_type": TASK_TYPE_CHOICES, "stage": STAGE_CHOICES,
                 "status": TASK_STATUS_CHOICES}
_TIMES = ("at", "resolved_at", "created_at", "done_at")
_TIME_TEXT = re.compile(r"^(\d{1,2})[:hg](\d{2})?(?::(\d{2}))?$")

NO_COLUMN = QT_TRANSLATE_NOOP(
    "errors", "No column of {name} holds the {what} (its columns: {headers}): choose which "
              "column it is.")
MISSING = QT_TRANSLATE_NOOP("errors", "The {what} is missing.")
NOT_A_TIME = QT_TRANSLATE_NOOP("errors", "\"{text}\" is not a time (write it as 14:30).")
NOT_A_STEP = QT_TRANSLATE_NOOP("errors", "\"{text}\" is not a step number (1 to 99).")
NOT_A_CHOICE = QT_TRANSLATE_NOOP("errors", "\"{value}\" is not one of the choices.")
COMPLAINT_TEXT = QT_TRANSLATE_NOOP("errors", "Write what the customer complains about.")
RATING_OR_COMMENT = QT_TRANSLATE_NOOP("errors", "Give a rating or write a comment.")


@functools.cache
def _tables(kind: str) -> dict[str, tuple[str, int]]:
    table: dict[str, tuple[str, int]] = {}
    groups = {**_LINK_VARIANTS, **_VARIANTS[kind], IGNORED: _IGNORED}
    for field, spellings in groups.items():
        for rank, spelling in enumerate(spellings):
            table.setdefault(header_key(spelling), (field, rank))
    return table


@functools.cache
def _labels(kind: str, field: str) -> dict[str, str]:
    """folded label or key -> stored key, from the export's labels in both languages."""
    from shopcrm.io.export import LABELS  # openpyxl: only when such a file is read

    group = _LABEL_GROUPS[(kind, field)]
    found: dict[str, str] = {}
    for language in LABELS.values():
        for key, label in language[group].items():
            found.setdefault(normalize._key(label), key)
            found.setdefault(normalize._key(key), key)
    return found


def header_checker(kind: str) -> Callable[[object], bool]:
    table = _tables(kind)
    return lambda header: header_key(header) in table


def auto_map(headers: list[str], kind: str) -> dict[int, str]:
    """Column index -> field for the recognised columns, each field once."""
    table = _tables(kind)
    candidates = sorted((found[1], index, found[0]) for index, header in enumerate(headers)
                        if (found := table.get(header_key(header))) and found[0] != IGNORED)
    mapping: dict[int, str] = {}
    for _rank, index, field in candidates:
        if field not in mapping.values():
            mapping[index] = field
    return dict(sorted(mapping.items()))


# -- preview ------------------------------------------------------------------------------

def plan_records(path: Path, kind: str, sheet: str | None = None,
                 mapping: dict[int, str] | None = None) -> ImportPlan:
    table = read_table(Path(path), sheet, is_header=header_checker(kind))
    return plan_record_table(table, Path(path), kind, mapping)


@gc_pause.paused()
def plan_record_table(table: Table, path: Path, kind: str,
                      mapping: dict[int, str] | None = None) -> ImportPlan:
    """Check an already read table of records of `kind`, customers included."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    mapping = auto_map(table.headers, kind) if mapping is None else dict(mapping)
    _check_mapping(mapping, table.headers, table.file_name or Path(path).name, kind)
    index = _CustomerIndex()
    rows = [_plan_row(cells, number, mapping, table.headers, index, kind)
            for cells, number in zip(table.rows, table.row_numbers)]
    return ImportPlan(path=Path(path), table=table, mapping=mapping, rows=rows)


def _check_mapping(mapping: dict[int, str], headers: list[str], file_name: str,
                   kind: str) -> None:
    from shopcrm.io.importer import _header_list

    for index, name in mapping.items():
        if not 0 <= index < len(headers) or name not in TARGET_FIELDS[kind]:
            raise ValueError(f"bad mapping entry {index}: {name!r}")
    fields = list(mapping.values())
    for name in set(fields):
        if fields.count(name) > 1:
            raise KnownError(TWO_COLUMNS, field=name)
    listed = _header_list(headers)
    if not set(fields) & set(CUSTOMER_FIELDS):
        raise KnownError(NO_CUSTOMER_COLUMN, name=file_name, headers=listed)
    for name in REQUIRED[kind]:
        if name not in fields:
            raise KnownError(NO_COLUMN, name=file_name, what=_WHAT[name], headers=listed)


def _plan_row(cells: list, number: int, mapping: dict[int, str], headers: list[str],
              index: _CustomerIndex, kind: str) -> PlannedRow:
    values: dict = {}
    errors: dict[int | None, KnownError] = {}
    columns = {name: col for col, name in mapping.items()}
    for col, name in mapping.items():
        value = cells[col] if col < len(cells) else None
        try:
            parsed = _parse(kind, name, value)
        except ValidationError as exc:
            errors[col] = exc
            continue
        if parsed is not None:
            values[name] = parsed
    for name in REQUIRED[kind]:
        if name not in values and columns[name] not in errors:
            errors[columns[name]] = ValidationError(MISSING, what=_WHAT[name])
    if not errors:
        try:
            _check_record(kind, values)
        except ValidationError as exc:
            errors[None] = exc
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
                  for col, error in sorted(errors.items(), key=lambda item: item[0] or -1)]
        return PlannedRow(number, cells, None, [], listed)
    return PlannedRow(number, cells, values, [], [])


def _parse(kind: str, name: str, value):
    if name == "customer_code":
        return normalize.parse_code(value)
    if name == "customer_phone":
        return phones.normalize_phone(normalize.phone_text(value))
    if name in _TIMES:
        local = normalize.parse_datetime_cell(value)
        if local is None:
            return None
        return interactions.clean_at(local.astimezone(dt.timezone.utc))
    if name == "due_date":
        return normalize.parse_date_cell(value)
    if name == "due_time":
        return _parse_time(value)
    if name == "step":
        return _parse_step(value)
    if name == "rating":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return feedback.clean_rating(value)
    if (kind, name) in _LABEL_GROUPS:
        text = normalize.text_value(value)
        if text is None:
            return None
        key = _labels(kind, name).get(normalize._key(text), text)
        if kind == "tasks" and key not in _TASK_CHOICES[name]:
            raise ValidationError(NOT_A_CHOICE, value=text)
        if kind == "feedback" and name == "status" and key not in COMPLAINT_STATUS_CHOICES:
            raise ValidationError(NOT_A_CHOICE, value=text)
        return key
    text = normalize.text_value(value)
    if name in ("staff", "handler", "assigned_to"):
        return interactions.clean_staff(text)
    if name == "recurrence":
        care.parse_recurrence(text)  # the rule of the care schedule: refuses anything else
        return text
    if name == "title":
        if text and len(text) > 200:
            raise ValidationError(TOO_LONG, limit=200)
        return text
    text = interactions.clean_text(value) if isinstance(value, str) else text
    if text and len(text) > TEXT_MAX:
        raise ValidationError(TOO_LONG, limit=TEXT_MAX)
    return text


def _parse_time(value) -> dt.time | None:
    if normalize.is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.time().replace(microsecond=0)
    if isinstance(value, dt.time):
        return value.replace(microsecond=0)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 1:
        seconds = round(value * 86_400)
        return dt.time(seconds // 3600 % 24, seconds // 60 % 60, seconds % 60)
    text = str(value).strip().lower()
    if (match := _TIME_TEXT.match(text)) and int(match.group(1)) < 24 \
            and int(match.group(2) or 0) < 60 and int(match.group(3) or 0) < 60:
        return dt.time(int(match.group(1)), int(match.group(2) or 0), int(match.group(3) or 0))
    raise ValidationError(NOT_A_TIME, text=str(value)[:20])


def _parse_step(value) -> int | None:
    if normalize.is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 99:
        raise ValidationError(NOT_A_STEP, text=str(value)[:20])
    return value


def _check_record(kind: str, values: dict) -> None:
    """The rules that span several fields, with the core's own checks."""
    if kind == "interactions":
        values.update(interactions.clean({name: values.get(name) for name in
                                          ("kind", "summary", "at", "staff")}))
    elif kind == "feedback":
        feedback._clean_kind(values.get("kind"))
        # the rules of core.feedback.add_feedback, with its messages
        if values["kind"] == "complaint" and not values.get("comment"):
            raise ValidationError(COMPLAINT_TEXT)
        if values.get("rating") is None and not values.get("comment"):
            raise ValidationError(RATING_OR_COMMENT)
        if values["kind"] == "complaint":
            values.setdefault("status", "open")
        else:
            values.pop("status", None)
        if values.get("status") != "resolved":
            values.pop("resolved_at", None)


# -- writing ------------------------------------------------------------------------------

_FIELDS = {
    "interactions": (Interaction, ("at", "kind", "summary", "staff")),
    "feedback": (Feedback, ("at", "rating", "kind", "comment", "status", "handler",
                            "resolution", "resolved_at")),
    "tasks": (CareTask, ("task_type", "stage", "step", "title", "due_date", "due_time",
                         "recurrence", "status", "outcome", "assigned_to", "created_at",
                         "done_at")),
}
_DEFAULTS = {"task_type": "custom", "stage": "post_sale", "status": "planned"}


@gc_pause.paused()
def run_record_import(plan: ImportPlan, kind: str, duplicate_policy: str = "skip",
                      progress: Progress | None = None,
                      cancel: Callable[[], bool] | None = None, user: str | None = None,
                      backup_folder: Path | None = None, dry_run: bool = False
                      ) -> ImportResult:
    """Write the plan's valid records in one transaction (after an SQLite backup);
    with `dry_run`, write them and roll back (see importer.run_import)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    if duplicate_policy not in POLICIES:
        raise ValueError(f"duplicate_policy must be one of {POLICIES}")
    if dry_run:
        return rolled_back(_write, plan, kind, duplicate_policy, progress, cancel, user)
    auto_backup.take_backup(backup_folder or backup.backup_dir(), "before-import")
    with db.atomic():
        return _write(plan, kind, duplicate_policy, progress, cancel, user)


def _write(plan: ImportPlan, kind: str, policy: str, progress, cancel, user) -> ImportResult:
    model, names = _FIELDS[kind]
    result = ImportResult(batch_id=0, headers=plan.table.headers)
    mapping = mapping_by_header(plan.table.headers, plan.mapping)
    batch = ImportBatch.create(
        file_name=plan.path.name, sheet=plan.table.sheet, rows_total=len(plan.rows), kind=kind,
        mapping=json.dumps(mapping, ensure_ascii=False))
    result.batch_id = batch.id
    live = {cid for (cid,) in Customer.select(Customer.id)
            .where(Customer.deleted_at.is_null()).tuples().iterator()}
    stored = _stored_keys(kind) if policy != "create" else set()
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
        if _key(kind, values["customer"], values) in stored:
            result.skipped += 1
            result.skipped_rows.append(row.row_number)
            continue
        defaults = {**_DEFAULTS, "created_at": now} if kind == "tasks" else {}
        full = {**defaults, **values}
        rows.append((values["customer"], batch.id, *[full.get(name) for name in names]))
    fields = [model.customer, model.import_batch, *[model._meta.fields[name] for name in names]]
    for start, chunk in zip(range(0, len(rows), INSERT_BATCH), peewee.chunked(rows, INSERT_BATCH)):
        if cancel is not None and cancel():
            raise ImportCancelled()
        bulk.insert_rows(model, fields, chunk)
        if progress is not None:
            progress(start + len(chunk), len(rows))
    result.created = len(rows)
    ImportBatch.update(finished_at=utcnow(), rows_created=result.created,
                       rows_skipped=result.skipped, rows_rejected=result.rejected
                       ).where(ImportBatch.id == batch.id).execute()
    AuditLog.create(user=user, action="import", details=json.dumps({
        "batch": batch.id, "kind": kind, "file": plan.path.name, "sheet": plan.table.sheet,
        "created": result.created, "skipped": result.skipped, "rejected": result.rejected,
        "policy": policy}, ensure_ascii=False))
    return result


def _second(value) -> dt.datetime | None:
    """A timestamp to the second (a spreadsheet keeps no finer time)."""
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        value = dt.datetime.fromisoformat(str(value))
    return (value + dt.timedelta(microseconds=500_000)).replace(microsecond=0)


def _date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _key(kind: str, customer: int, values: dict) -> tuple:
    if kind == "interactions":
        return (customer, _second(values.get("at")), values.get("summary"))
    if kind == "feedback":
        return (customer, _second(values.get("at")), values.get("comment"))
    return (customer, _date(values.get("due_date")), values.get("task_type") or "custom",
            values.get("title"))


def _stored_keys(kind: str) -> set[tuple]:
    if kind == "interactions":
        query = Interaction.select(Interaction.customer, Interaction.at, Interaction.summary)
        return {(cid, _second(at), text) for cid, at, text in query.tuples().iterator()}
    if kind == "feedback":
        query = Feedback.select(Feedback.customer, Feedback.at, Feedback.comment)
        return {(cid, _second(at), text) for cid, at, text in query.tuples().iterator()}
    query = CareTask.select(CareTask.customer, CareTask.due_date, CareTask.task_type,
                            CareTask.title)
    return {(cid, _date(due), task_type, title)
            for cid, due, task_type, title in query.tuples().iterator()}
