"""Exporting customers to Excel (.xlsx) or CSV, in a form the import can read back.

An .xlsx export has five sheets: the customers, then the purchases, interactions,
feedback and care tasks of those customers, linked by the customer code. The
customer sheet carries every editable field (so an import of the file gives the
same customers back) and, after them, derived read-only columns (age group,
segments, purchase totals, average rating) that the import ignores; they come
from a few aggregate queries, never one query per customer. A CSV export holds
the customer sheet only.

Phones stay text (the leading 0 survives), dates are real dates and money a
number in đồng in .xlsx (dd/mm/yyyy and plain digits in CSV), choice fields are
written as labels of the chosen language. Text that a spreadsheet would run as a
formula is neutralised (OWASP "CSV injection"): an explicit string cell with a
quote prefix in .xlsx (the text itself is unchanged, so an import gives it back),
a leading apostrophe in CSV (io.readers drops it again). The .xlsx is written with
xlsxwriter in constant-memory mode (openpyxl stays for reading). The file is
written beside the target and renamed into place at the end, so a cancelled or
failed export never leaves a half file nor destroys an older one.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Callable, Iterable, Iterator, NamedTuple

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from peewee import JOIN, fn

from shopcrm.core.customers import age_group
from shopcrm.core.dates import as_date
from shopcrm.core.errors import QT_TRANSLATE_NOOP, KnownError
from shopcrm.db.connection import is_read_only, read_transaction
from shopcrm.db.models import (
    AuditLog, CareTask, Customer, CustomerTag, Feedback, Interaction, Purchase, Tag,
)

PROGRESS_EVERY = 1000
CHUNK = 500  # ids per query when exporting a selection
TAG_SEPARATOR = "|"
DATE_FORMAT = "DD/MM/YYYY"
DATETIME_FORMAT = "DD/MM/YYYY HH:MM"
TIME_FORMAT = "HH:MM"
MONEY_FORMAT = '#,##0 "₫"'
RATING_FORMAT = "0.0"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
SHEETS = ("customers", "purchases", "interactions", "feedback", "care_tasks")


class Column(NamedTuple):
    field: str
    vi: str
    en: str
    width: int
    kind: str = "text"  # text, date, datetime, time, money, int, rating


def _c(field, vi, en, width, kind="text") -> Column:
    return Column(field, vi, en, width, kind)


# The customer sheet: every editable field (the import maps these headers back,
# see io.mapping), then the derived columns the import ignores.
CUSTOMER_COLUMNS = (
    _c("code", "Mã khách hàng", "Customer code", 12),
    _c("name", "Tên khách hàng", "Name", 28),
    _c("phone", "Điện thoại", "Phone", 13),
    _c("phone2", "Điện thoại 2", "Phone 2", 13),
    _c("email", "Email", "Email", 26),
    _c("birthday", "Ngày sinh", "Birthday", 12, "date"),
    _c("gender", "Giới tính", "Gender", 9),
    _c("kind", "Loại khách", "Kind", 11),
    _c("org_type", "Loại hình tổ chức", "Organisation type", 18),
    _c("tax_code", "Mã số thuế", "Tax code", 13),
    _c("honorific", "Xưng hô", "Honorific", 9),
    _c("relation", "Quan hệ", "Relation", 11),
    _c("role_buyer", "Người mua", "Buyer", 10),
    _c("role_user", "Người sử dụng", "User", 10),
    _c("role_beneficiary", "Người thụ hưởng", "Beneficiary", 10),
    _c("income", "Thu nhập", "Income", 11),
    _c("area", "Địa bàn", "Area", 11),
    _c("address", "Địa chỉ", "Address", 30),
    _c("ward", "Phường/Xã", "Ward", 16),
    _c("district", "Quận/Huyện", "District", 16),
    _c("province", "Tỉnh/Thành phố", "Province/City", 16),
    _c("zalo", "Zalo", "Zalo", 13),
    _c("facebook", "Facebook", "Facebook", 20),
    _c("source", "Nguồn", "Source", 15),
    _c("referred_by", "Người giới thiệu", "Referred by", 12),
    _c("tags", "Nhóm khách hàng", "Customer groups", 22),
    _c("notes", "Ghi chú", "Notes", 40),
    _c("created_at", "Ngày tạo", "Created on", 12, "date"),
    _c("age_group", "Nhóm tuổi", "Age group", 12),
    _c("funnel_segment", "Phân khúc", "Funnel segment", 16),
    _c("value_tier", "Hạng giá trị", "Value tier", 16),
    _c("purchase_count", "Số lần mua", "Purchase count", 10, "int"),
    _c("total_spent", "Tổng chi tiêu", "Total spent", 16, "money"),
    _c("last_purchase", "Lần mua cuối", "Last purchase", 12, "date"),
    _c("average_rating", "Đánh giá trung bình", "Average rating", 10, "rating"),
)
FIELDS = tuple(column.field for column in CUSTOMER_COLUMNS)
DERIVED_FIELDS = FIELDS[FIELDS.index("age_group"):]
_LINK = (_c("customer_code", "Mã khách hàng", "Customer code", 12),
         _c("customer_name", "Tên khách hàng", "Customer name", 24))
# The purchases sheet reads back through io.purchases (its header variants).
PURCHASE_COLUMNS = (*_LINK,
                    _c("date", "Ngày mua", "Purchase date", 12, "date"),
                    _c("description", "Mô tả", "Description", 36),
                    _c("amount", "Số tiền", "Amount", 15, "money"),
                    _c("channel", "Kênh bán", "Channel", 12),
                    _c("note", "Ghi chú", "Note", 30))
INTERACTION_COLUMNS = (*_LINK,
                       _c("at", "Thời gian", "Time", 16, "datetime"),
                       _c("kind", "Loại", "Kind", 12),
                       _c("summary", "Nội dung", "Summary", 50),
                       _c("staff", "Nhân viên", "Staff", 16))
FEEDBACK_COLUMNS = (*_LINK,
                    _c("at", "Thời gian", "Time", 16, "datetime"),
                    _c("rating", "Số sao", "Rating", 8, "int"),
                    _c("kind", "Loại", "Kind", 12),
                    _c("comment", "Nội dung", "Comment", 40),
                    _c("status", "Trạng thái", "Status", 14),
                    _c("handler", "Người xử lý", "Handler", 16),
                    _c("resolution", "Cách giải quyết", "Resolution", 36),
                    _c("resolved_at", "Thời gian giải quyết", "Resolved at", 16, "datetime"))
TASK_COLUMNS = (*_LINK,
                _c("task_type", "Loại việc", "Task type", 18),
                _c("stage", "Giai đoạn", "Stage", 11),
                _c("step", "Bước", "Step", 6, "int"),
                _c("title", "Tiêu đề", "Title", 30),
                _c("due_date", "Hạn", "Due date", 12, "date"),
                _c("due_time", "Giờ", "Due time", 7, "time"),
                _c("recurrence", "Lặp lại", "Recurrence", 11),
                _c("status", "Trạng thái", "Status", 12),
                _c("outcome", "Kết quả", "Outcome", 36),
                _c("assigned_to", "Người phụ trách", "Assigned to", 16),
                _c("created_at", "Ngày tạo", "Created at", 16, "datetime"),
                _c("done_at", "Ngày xong", "Done at", 16, "datetime"))
SHEET_COLUMNS = dict(zip(SHEETS, (CUSTOMER_COLUMNS, PURCHASE_COLUMNS, INTERACTION_COLUMNS,
                                  FEEDBACK_COLUMNS, TASK_COLUMNS)))
SHEET_TITLES = {
    "vi": dict(zip(SHEETS, ("Khách hàng", "Mua hàng", "Tương tác", "Phản hồi", "Chăm sóc"))),
    "en": dict(zip(SHEETS, ("Customers", "Purchases", "Interactions", "Feedback", "Care tasks"))),
}
# Labels of the choice values, per language; the import maps the customer ones and the
# purchase channel back to the keys (io.normalize, io.purchases: keep them parseable).
LABELS = {
    "vi": {
        "gender": {"unknown": "", "male": "Nam", "female": "Nữ", "other": "Khác"},
        "kind": {"individual": "Cá nhân", "organisation": "Tổ chức"},
        "source": {"walk_in": "Đến trực tiếp", "social": "Mạng xã hội", "website": "Website",
                   "referral": "Được giới thiệu", "advertising": "Quảng cáo",
                   "media": "Báo đài", "other": "Khác"},
        "org_type": {"manufacturer": "Sản xuất", "trading": "Thương mại",
                     "wholesale_retail": "Bán buôn, bán lẻ", "nonprofit_state": "Cơ quan nhà nước"},
        "relation": {"external": "Bên ngoài", "internal": "Nội bộ"},
        "income": {"low": "Thấp", "medium": "Trung bình", "high": "Cao"},
        "area": {"city": "Thành phố", "urban": "Đô thị", "suburban": "Ngoại ô",
                 "rural": "Nông thôn"},
        "bool": {True: "Có", False: "Không"},
        "age_group": {"child": "Trẻ em", "youth": "Thanh niên", "middle_aged": "Trung niên",
                      "elderly": "Cao tuổi"},
        "funnel_segment": {"potential": "Tiềm năng", "new": "Mới", "loyal": "Trung thành",
                           "lapsed": "Rời bỏ", "first_big": "Mua lớn lần đầu"},
        "value_tier": {"high": "Giá trị cao", "average": "Giá trị trung bình",
                       "low": "Giá trị thấp"},
        "channel": {"store": "Tại cửa hàng", "phone": "Điện thoại", "online": "Online",
                    "zalo": "Zalo", "facebook": "Facebook", "other": "Khác"},
        "interaction_kind": {"call": "Gọi điện", "visit": "Ghé thăm", "zalo": "Zalo",
                             "sms": "SMS", "email": "Email", "note": "Ghi chú",
                             "offer": "Ưu đãi", "other": "Khác"},
        "feedback_kind": {"praise": "Khen", "suggestion": "Góp ý", "complaint": "Khiếu nại"},
        "complaint_status": {"open": "Mới mở", "in_progress": "Đang xử lý",
                             "resolved": "Đã giải quyết"},
        "task_type": {"welcome": "Chào mừng", "thank_you": "Cảm ơn, hỏi thăm",
                      "feedback_request": "Xin ý kiến", "birthday": "Chúc mừng sinh nhật",
                      "win_back": "Kéo khách quay lại", "loyalty_offer": "Ưu đãi khách quen",
                      "complaint_follow_up": "Theo dõi khiếu nại",
                      "pre_sale_follow_up": "Theo dõi trước bán", "custom": "Việc khác"},
        "stage": {"pre_sale": "Trước bán", "post_sale": "Sau bán"},
        "task_status": {"planned": "Đã lên lịch", "done": "Đã xong", "skipped": "Bỏ qua"},
    },
    "en": {
        "gender": {"unknown": "", "male": "Male", "female": "Female", "other": "Other"},
        "kind": {"individual": "Individual", "organisation": "Organisation"},
        "source": {"walk_in": "Walk-in", "social": "Social network", "website": "Website",
                   "referral": "Referral", "advertising": "Advertising",
                   "media": "Press, radio, TV", "other": "Other"},
        "org_type": {"manufacturer": "Manufacturer", "trading": "Trading",
                     "wholesale_retail": "Wholesale/retail", "nonprofit_state": "Nonprofit/state"},
        "relation": {"external": "External", "internal": "Internal"},
        "income": {"low": "Low", "medium": "Medium", "high": "High"},
        "area": {"city": "City", "urban": "Urban", "suburban": "Suburban", "rural": "Rural"},
        "bool": {True: "Yes", False: "No"},
        "age_group": {"child": "Child", "youth": "Youth", "middle_aged": "Middle-aged",
                      "elderly": "Elderly"},
        "funnel_segment": {"potential": "Potential", "new": "New", "loyal": "Loyal",
                           "lapsed": "Lapsed", "first_big": "First big purchase"},
        "value_tier": {"high": "High value", "average": "Average value", "low": "Low value"},
        "channel": {"store": "In store", "phone": "Phone", "online": "Online", "zalo": "Zalo",
                    "facebook": "Facebook", "other": "Other"},
        "interaction_kind": {"call": "Call", "visit": "Visit", "zalo": "Zalo", "sms": "SMS",
                             "email": "Email", "note": "Note", "offer": "Special offer",
                             "other": "Other"},
        "feedback_kind": {"praise": "Praise", "suggestion": "Suggestion",
                          "complaint": "Complaint"},
        "complaint_status": {"open": "Open", "in_progress": "In progress",
                             "resolved": "Resolved"},
        "task_type": {"welcome": "Welcome", "thank_you": "Thank-you / check-in",
                      "feedback_request": "Ask for feedback", "birthday": "Birthday greeting",
                      "win_back": "Win back", "loyalty_offer": "Loyalty offer",
                      "complaint_follow_up": "Complaint follow-up",
                      "pre_sale_follow_up": "Pre-sale follow-up", "custom": "Other task"},
        "stage": {"pre_sale": "Pre-sale", "post_sale": "Post-sale"},
        "task_status": {"planned": "Planned", "done": "Done", "skipped": "Skipped"},
    },
}

_CUSTOMER_SELECT = (
    Customer.id, Customer.code, Customer.name, Customer.phone, Customer.phone2, Customer.email,
    Customer.birthday, Customer.gender, Customer.kind, Customer.org_type, Customer.tax_code,
    Customer.honorific, Customer.relation, Customer.role_buyer, Customer.role_user,
    Customer.role_beneficiary, Customer.income, Customer.area, Customer.address, Customer.ward,
    Customer.district, Customer.province, Customer.zalo, Customer.facebook, Customer.source,
    Customer.referred_by, Customer.notes, Customer.created_at, Customer.funnel_segment,
    Customer.value_tier,
)
_CHILD_SELECT = {
    "purchases": (Purchase, (Purchase.date, Purchase.description, Purchase.amount,
                             Purchase.channel, Purchase.note), (Purchase.date, Purchase.id)),
    "interactions": (Interaction, (Interaction.at, Interaction.kind, Interaction.summary,
                                   Interaction.staff), (Interaction.at, Interaction.id)),
    "feedback": (Feedback, (Feedback.at, Feedback.rating, Feedback.kind, Feedback.comment,
                            Feedback.status, Feedback.handler, Feedback.resolution,
                            Feedback.resolved_at), (Feedback.at, Feedback.id)),
    "care_tasks": (CareTask, (CareTask.task_type, CareTask.stage, CareTask.step, CareTask.title,
                              CareTask.due_date, CareTask.due_time, CareTask.recurrence,
                              CareTask.status, CareTask.outcome, CareTask.assigned_to,
                              CareTask.created_at, CareTask.done_at),
                   (CareTask.due_date, CareTask.id)),
}
_FORMATS = {"date": DATE_FORMAT, "datetime": DATETIME_FORMAT, "time": TIME_FORMAT,
            "money": MONEY_FORMAT, "rating": RATING_FORMAT}


class ExportError(KnownError):
    """The export could not be written."""


class Cancelled(KnownError):
    def __init__(self) -> None:
        super().__init__(QT_TRANSLATE_NOOP("errors", "Export cancelled; no file was written."))


def headers(language: str = "vi", sheet: str = "customers") -> tuple[str, ...]:
    """Column headers of `sheet` in `language` ("vi" or "en"); customers: in the order of FIELDS."""
    english = language == "en"
    return tuple(column.en if english else column.vi for column in SHEET_COLUMNS[sheet])


def sheet_title(sheet: str, language: str = "vi") -> str:
    return SHEET_TITLES.get(language, SHEET_TITLES["vi"])[sheet]


def export_customers(
    path: Path | str,
    ids: list[int] | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    language: str = "vi",
    user: str | None = None,
) -> int:
    """export_file(), returning the number of customers written."""
    return export_file(path, ids, progress, cancel, language, user)["customers"]


def export_file(
    path: Path | str,
    ids: list[int] | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    language: str = "vi",
    user: str | None = None,
) -> dict[str, int]:
    """Write customers `ids` (in that order; else all not in the trash, by name) to `path`.

    The suffix picks the format: .xlsx (all the SHEETS) or .csv (the customers only).
    Returns the rows written per sheet; raises Cancelled when `cancel()` says so, and
    ExportError when the file cannot be written.
    """
    path = Path(path).absolute()
    writer = {".xlsx": _write_xlsx, ".csv": _write_csv}.get(path.suffix.lower())
    if writer is None:
        raise ExportError(QT_TRANSLATE_NOOP(
            "errors", "Cannot export to {name}: choose a file name ending in .xlsx or .csv."),
            name=path.name)
    language = language if language in LABELS else "vi"
    sheets = SHEETS if writer is _write_xlsx else SHEETS[:1]
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
        os.close(fd)
    except OSError as exc:
        raise _write_error(path, exc) from exc
    temp = Path(name)
    try:
        with read_transaction():  # one snapshot of the customers and all their records
            ticker = _Ticker(sum(_count(sheet, ids) for sheet in sheets), progress, cancel)
            tables = {sheet: ticker.rows(_sheet_rows(sheet, ids, LABELS[language]))
                      for sheet in sheets}
            written = writer(temp, tables, language)
        ticker.finish()
        os.replace(temp, path)
    except OSError as exc:
        _remove(temp)
        raise _write_error(path, exc) from exc
    except BaseException:
        _remove(temp)
        raise
    if not is_read_only():  # a damaged or busy database opened read-only can still export
        details = ", ".join(f"{count} {sheet}" for sheet, count in written.items())
        AuditLog.create(user=user, action="export", details=f"{details} to {path.name}")
    return written


class _Ticker:
    """Asks `cancel()` and tells `progress(done, total)` every PROGRESS_EVERY rows, all sheets."""

    def __init__(self, total: int, progress, cancel):
        self.done, self.total, self.progress, self.cancel = 0, total, progress, cancel

    def rows(self, rows: Iterable[list]) -> Iterator[list]:
        for row in rows:
            if self.done % PROGRESS_EVERY == 0:
                if self.cancel is not None and self.cancel():
                    raise Cancelled()
                if self.progress is not None and self.done:
                    self.progress(self.done, self.total)
            self.done += 1
            yield row

    def finish(self) -> None:
        if self.cancel is not None and self.cancel():
            raise Cancelled()
        if self.progress is not None:
            self.progress(self.total, self.total)


# -- reading the database ---------------------------------------------------------------

def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def _count(sheet: str, ids: list[int] | None) -> int:
    if sheet == "customers":
        return len(ids) if ids is not None else _alive().count()
    model = _CHILD_SELECT[sheet][0]
    if ids is None:
        return model.select().join(Customer).where(Customer.deleted_at.is_null()).count()
    return sum(model.select().where(model.customer.in_(chunk)).count() for chunk in _chunks(ids))


def _alive():
    return Customer.select(Customer.id).where(Customer.deleted_at.is_null())


def _sheet_rows(sheet: str, ids: list[int] | None, labels: dict) -> Iterator[list]:
    if sheet == "customers":
        return _customer_rows(ids, labels)
    return _child_rows(sheet, ids, labels)


def _customer_rows(ids: list[int] | None, labels: dict) -> Iterator[list]:
    """Rows of export values (str, number, date or None) in the order of FIELDS."""
    today = dt.date.today()
    referrer = Customer.alias()
    query = (Customer.select(*_CUSTOMER_SELECT, referrer.code)
             .join(referrer, JOIN.LEFT_OUTER, on=(Customer.referred_by == referrer.id)))
    if ids is None:
        derived = _Derived(None)
        query = (query.where(Customer.deleted_at.is_null())
                 .order_by(Customer.sort_key, Customer.id))
        for row in query.tuples().iterator():
            yield _values(row, derived, labels, today)
        return
    for chunk in _chunks(ids):
        derived = _Derived(chunk)
        found = {row[0]: row for row in query.where(Customer.id.in_(chunk)).tuples()}
        for customer_id in chunk:
            if customer_id in found:
                yield _values(found[customer_id], derived, labels, today)


class _Derived:
    """Tags, purchase totals and average rating per customer: one query each (all or `ids`)."""

    def __init__(self, ids: list[int] | None):
        self.tags = _tags(CustomerTag.customer.in_(ids if ids is not None else _alive()))
        purchases = (Purchase.select(Purchase.customer, fn.COUNT(Purchase.id),
                                     fn.SUM(Purchase.amount), fn.MAX(Purchase.date))
                     .group_by(Purchase.customer))
        ratings = (Feedback.select(Feedback.customer, fn.AVG(Feedback.rating))
                   .where(Feedback.rating.is_null(False)).group_by(Feedback.customer))
        if ids is not None:
            purchases = purchases.where(Purchase.customer.in_(ids))
            ratings = ratings.where(Feedback.customer.in_(ids))
        self.purchases = {cid: (count, int(total or 0), as_date(last))
                          for cid, count, total, last in purchases.tuples().iterator()}
        self.ratings = {cid: round(float(average), 2)
                        for cid, average in ratings.tuples().iterator() if average is not None}


_NO_PURCHASES = (0, 0, None)


def _tags(condition) -> dict[int, str]:
    """customer id -> "tag1|tag2", from one query ordered by customer and tag name."""
    grouped: dict[int, list[str]] = {}
    query = (CustomerTag.select(CustomerTag.customer, Tag.name).join(Tag).where(condition)
             .order_by(CustomerTag.customer, Tag.name).tuples())
    for customer_id, tag in query.iterator():
        grouped.setdefault(customer_id, []).append(tag)
    return {customer_id: TAG_SEPARATOR.join(names) for customer_id, names in grouped.items()}


def _values(row: tuple, derived: _Derived, labels: dict, today: dt.date) -> list:
    (customer_id, code, name, phone, phone2, email, birthday, gender, kind, org_type, tax_code,
     honorific, relation, role_buyer, role_user, role_beneficiary, income, area, address, ward,
     district, province, zalo, facebook, source, _referrer_id, notes, created_at, funnel, tier,
     referrer_code) = row
    count, total, last = derived.purchases.get(customer_id, _NO_PURCHASES)
    yes_no = labels["bool"]
    return [
        code, name, phone, phone2, email, birthday, labels["gender"].get(gender, gender),
        labels["kind"].get(kind, kind), _label(labels["org_type"], org_type), tax_code,
        honorific, _label(labels["relation"], relation), yes_no[bool(role_buyer)],
        yes_no[bool(role_user)], yes_no[bool(role_beneficiary)], _label(labels["income"], income),
        _label(labels["area"], area), address, ward, district, province, zalo, facebook,
        _label(labels["source"], source), referrer_code, derived.tags.get(customer_id), notes,
        _local(created_at, date_only=True),
        _label(labels["age_group"], age_group(birthday, today)),
        _label(labels["funnel_segment"], funnel), _label(labels["value_tier"], tier),
        count, total, last, derived.ratings.get(customer_id),
    ]


def _label(labels: dict, key: str | None) -> str | None:
    return labels.get(key, key) if key else None


def _child_rows(sheet: str, ids: list[int] | None, labels: dict) -> Iterator[list]:
    """The rows of a sheet of records, customer by customer in the customer sheet's order."""
    model, fields, order = _CHILD_SELECT[sheet]
    convert = _CONVERTERS[sheet]
    query = (model.select(model.customer, Customer.code, Customer.name, *fields)
             .join(Customer, on=(model.customer == Customer.id)))
    if ids is None:
        query = (query.where(Customer.deleted_at.is_null())
                 .order_by(Customer.sort_key, Customer.id, *order))
        for row in query.tuples().iterator():
            yield convert(row, labels)
        return
    for chunk in _chunks(ids):
        position = {customer_id: index for index, customer_id in enumerate(chunk)}
        rows = list(query.where(model.customer.in_(chunk)).order_by(*order).tuples())
        rows.sort(key=lambda row: position[row[0]])  # stable: each customer's keep their order
        for row in rows:
            yield convert(row, labels)


def _purchase(row: tuple, labels: dict) -> list:
    _cid, code, name, date, description, amount, channel, note = row
    return [code, name, as_date(date), description, amount,
            _label(labels["channel"], channel), note]


def _interaction(row: tuple, labels: dict) -> list:
    _cid, code, name, at, kind, summary, staff = row
    return [code, name, _local(at), _label(labels["interaction_kind"], kind), summary, staff]


def _feedback(row: tuple, labels: dict) -> list:
    _cid, code, name, at, rating, kind, comment, status, handler, resolution, resolved = row
    return [code, name, _local(at), rating, _label(labels["feedback_kind"], kind), comment,
            _label(labels["complaint_status"], status), handler, resolution, _local(resolved)]


def _task(row: tuple, labels: dict) -> list:
    (_cid, code, name, task_type, stage, step, title, due_date, due_time, recurrence, status,
     outcome, assigned_to, created_at, done_at) = row
    return [code, name, _label(labels["task_type"], task_type), _label(labels["stage"], stage),
            step, title, as_date(due_date), due_time, recurrence,
            _label(labels["task_status"], status), outcome, assigned_to, _local(created_at),
            _local(done_at)]


_CONVERTERS = {"purchases": _purchase, "interactions": _interaction, "feedback": _feedback,
               "care_tasks": _task}


def _local(utc: dt.datetime | None, date_only: bool = False):
    """The shop's local time (or calendar day) of a stored (naive UTC) timestamp."""
    if utc is None:
        return None
    local = utc.replace(tzinfo=dt.timezone.utc).astimezone().replace(tzinfo=None)
    return local.date() if date_only else local


# -- writing the file -------------------------------------------------------------------

def _write_csv(path: Path, tables: dict[str, Iterator[list]], language: str) -> dict[str, int]:
    count = 0
    # UTF-8 with a BOM: Excel then reads the Vietnamese letters correctly.
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(headers(language))
        for row in tables["customers"]:
            out.writerow([_csv_text(value) for value in row])
            count += 1
    return {"customers": count}


def _csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if not isinstance(value, str):
        return str(value)
    # Also before a text's own apostrophes ("'=x"): io.readers drops exactly one again.
    return "'" + value if value.lstrip("'").startswith(FORMULA_TRIGGERS) else value


def _write_xlsx(path: Path, tables: dict[str, Iterator[list]], language: str) -> dict[str, int]:
    """All the sheets with xlsxwriter in constant-memory mode: each row goes to a temporary
    file as soon as the next one starts (in a private temporary folder, removed however the
    export ends), and the workbook is zipped into `path` at the end."""
    import xlsxwriter
    from xlsxwriter.exceptions import FileCreateError

    with tempfile.TemporaryDirectory(prefix="shopcrm-export-",
                                     ignore_cleanup_errors=True) as folder:
        workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "tmpdir": folder})
        try:
            formats = _XlsxFormats(workbook)
            counts = {sheet: _write_sheet(workbook, formats, sheet, rows, language)
                      for sheet, rows in tables.items()}
            try:
                workbook.close()
            except FileCreateError as exc:  # the OSError underneath: ExportError for the user
                cause = exc.args[0] if exc.args else None
                if isinstance(cause, OSError):
                    raise cause from exc
                raise
        finally:
            for sheet in workbook.worksheets():  # the row files of an abandoned workbook
                handle = getattr(sheet, "row_data_fh", None)
                if handle is not None and not handle.closed:
                    handle.close()
    return counts


class _XlsxFormats:
    """The cell formats of an export workbook (xlsxwriter wants one object per format)."""

    def __init__(self, workbook) -> None:
        self.bold = workbook.add_format({"bold": True})
        # A text a spreadsheet would run as a formula: Excel keeps it text, even when edited.
        self.quoted = workbook.add_format({"quote_prefix": True})
        self.kinds = {kind: workbook.add_format({"num_format": code})
                      for kind, code in _FORMATS.items()}
        # A date, time or timestamp in a column of another kind still shows as one.
        self.dates = {dt.date: self.kinds["date"], dt.datetime: self.kinds["datetime"],
                      dt.time: self.kinds["time"]}


def _write_sheet(workbook, formats: _XlsxFormats, name: str, rows: Iterator[list],
                 language: str) -> int:
    """One sheet: bold frozen header with a filter, widths, typed and formatted cells."""
    columns = SHEET_COLUMNS[name]
    sheet = workbook.add_worksheet(sheet_title(name, language))
    for index, column in enumerate(columns):
        sheet.set_column(index, index, column.width)
    sheet.freeze_panes(1, 0)
    for index, text in enumerate(headers(language, name)):
        sheet.write_string(0, index, text, formats.bold)
    kinds = [formats.kinds.get(column.kind) for column in columns]
    dates, quoted = formats.dates, formats.quoted
    # The undecorated writers (no A1-notation check per cell) when this xlsxwriter has them.
    write_string = getattr(sheet, "_write_string", sheet.write_string)
    write_number = getattr(sheet, "_write_number", sheet.write_number)
    write_datetime = getattr(sheet, "_write_datetime", sheet.write_datetime)
    triggers, errors = FORMULA_TRIGGERS, ERROR_CODES
    suspect = (*FORMULA_TRIGGERS, "#")  # error codes ("#N/A") all start with "#"
    illegal, remove = ILLEGAL_CHARACTERS_RE.search, ILLEGAL_CHARACTERS_RE.sub
    number = 0
    for number, row in enumerate(rows, 1):
        for index, value in enumerate(row):
            if value is None:
                continue
            if value.__class__ is str:
                if not value.isprintable() and illegal(value):
                    value = remove("", value)  # control characters Excel refuses
                # write_string never makes a formula nor an error value; the quote prefix
                # keeps it text in Excel too, the text itself unchanged.
                if value.startswith(suspect) and (value.startswith(triggers) or value in errors):
                    write_string(number, index, value, quoted)
                else:
                    write_string(number, index, value, None)
            elif value.__class__ in dates:
                write_datetime(number, index, value, kinds[index] or dates[value.__class__])
            elif isinstance(value, str):  # a str subclass
                write_string(number, index, str(value), None)
            else:
                write_number(number, index, value, kinds[index])
    sheet.autofilter(0, 0, number, len(columns) - 1)
    return number


def xlsx_text(sheet, value: str):
    """The text for a cell of openpyxl write-only `sheet`, never a formula nor an error value.

    The export writes with xlsxwriter (_write_sheet, same rules); this openpyxl form is
    for importer.write_rejects, which writes back cells of the user's own file.
    What openpyxl would store, without the control characters Excel refuses; a text
    a spreadsheet would run as a formula (FORMULA_TRIGGERS) or equal to an error code
    ("#N/A") becomes an explicit string cell with a quote prefix (Excel keeps it text
    even when the cell is edited), its text unchanged.
    """
    if ILLEGAL_CHARACTERS_RE.search(value):  # control characters Excel refuses
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith(FORMULA_TRIGGERS) or value in ERROR_CODES:
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
