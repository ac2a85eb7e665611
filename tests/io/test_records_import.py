"""Importing interactions, feedback and care tasks (io.records_import through io.imports)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from shopcrm.core import customers
from shopcrm.core.errors import KnownError
from shopcrm.db.models import AuditLog, CareTask, Feedback, ImportBatch, Interaction
from shopcrm.io import imports, records_import
from shopcrm.io.importer import ImportCancelled


def write_csv(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def utc(local: dt.datetime) -> dt.datetime:
    """The stored (naive UTC) form of a local time written in a file."""
    return local.astimezone(dt.timezone.utc).replace(tzinfo=None)


@pytest.fixture
def shop(db):
    ha = customers.create({"name": "Nguyễn Thị Hà", "phone": "0912345678"})  # KH000001
    binh = customers.create({"name": "Trần Bình", "phone": "0987654321"})  # KH000002
    return ha, binh


def errors_of(plan) -> dict[int, list[tuple[str, str]]]:
    return {row.row_number: [(e.header, str(e.error)) for e in row.errors]
            for row in plan.rows if row.errors}


def test_interactions_by_code_or_phone_with_labels_of_either_language(shop, tmp_path):
    ha, binh = shop
    path = write_csv(tmp_path / "tt.csv", [
        "Mã khách hàng,Tên khách hàng,Số điện thoại,Thời gian,Loại,Nội dung,Nhân viên",
        "KH000001,Hà,,05/01/2025 09:30,Gọi điện,Hỏi size áo,Lan",
        ",Bình,0987 654 321,2025-01-06 14:00,visit,Ghé cửa hàng,",
        "kh000001,,,06/01/2025,,Ghi chú không loại,",
        "KH000099,,,06/01/2025 10:00,Call,Không có khách,",
        "KH000002,,,06/01/2099 10:00,Call,Tương lai,",
        "KH000002,,,06/01/2025 10:00,Fax,Loại lạ,",
        "KH000002,,,06/01/2025 10:00,Call,,",
        "KH000002,,,ngày nào đó,Call,Ngày sai,"])
    plan = imports.plan_file(path, "interactions")
    errors = errors_of(plan)
    assert sorted(errors) == [5, 6, 7, 8, 9]
    assert errors[5] == [("Mã khách hàng", "No customer has the code KH000099.")]
    assert errors[6] == [("Thời gian", "This cannot be in the future.")]
    assert "Fax" in errors[7][0][1]
    assert errors[8] == [("Nội dung", "The summary is missing.")]
    assert errors[9][0][0] == "Thời gian"
    result = imports.run_plan(plan, "interactions", backup_folder=tmp_path)
    assert (result.created, result.skipped, result.rejected) == (3, 0, 5)
    stored = {i.summary: (i.customer_id, i.kind, i.at, i.staff) for i in Interaction.select()}
    assert stored == {
        "Hỏi size áo": (ha.id, "call", utc(dt.datetime(2025, 1, 5, 9, 30)), "Lan"),
        "Ghé cửa hàng": (binh.id, "visit", utc(dt.datetime(2025, 1, 6, 14)), None),
        "Ghi chú không loại": (ha.id, "note", utc(dt.datetime(2025, 1, 6)), None)}
    batch = ImportBatch.get_by_id(result.batch_id)
    assert (batch.kind, batch.rows_total, batch.rows_created, batch.rows_rejected) == (
        "interactions", 8, 3, 5)
    assert batch.finished_at is not None
    audit = json.loads(AuditLog.get(AuditLog.action == "import").details)
    assert audit["kind"] == "interactions" and audit["batch"] == result.batch_id


def test_the_same_file_twice_is_skipped_unless_create(shop, tmp_path):
    path = write_csv(tmp_path / "tt.csv", ["Customer code,Time,Kind,Summary",
                                           "KH000001,05/01/2025 09:30,Call,Hỏi size áo",
                                           "KH000002,05/01/2025 09:30,Call,Hỏi size áo"])
    first = imports.run_plan(imports.plan_file(path, "interactions"), "interactions",
                             backup_folder=tmp_path)
    again = imports.run_plan(imports.plan_file(path, "interactions"), "interactions",
                             backup_folder=tmp_path)
    assert (first.created, again.created, again.skipped) == (2, 0, 2)
    assert again.skipped_rows == [2, 3]
    anyway = imports.run_plan(imports.plan_file(path, "interactions"), "interactions", "create",
                              backup_folder=tmp_path)
    assert anyway.created == 2 and Interaction.select().count() == 4


def test_dry_run_and_cancel_write_nothing(shop, tmp_path, monkeypatch):
    path = write_csv(tmp_path / "tt.csv", ["Customer code,Time,Summary"] + [
        f"KH000001,05/01/2025 09:{minute:02d},Lần {minute}" for minute in range(10)])
    plan = imports.plan_file(path, "interactions")
    dry = imports.run_plan(plan, "interactions", dry_run=True)
    assert (dry.created, dry.batch_id) == (10, 0)
    assert Interaction.select().count() == 0 and ImportBatch.select().count() == 0
    monkeypatch.setattr(records_import, "INSERT_BATCH", 3)
    calls = iter([False, False, True])
    with pytest.raises(ImportCancelled):
        imports.run_plan(plan, "interactions", cancel=lambda: next(calls),
                         backup_folder=tmp_path)
    assert Interaction.select().count() == 0 and ImportBatch.select().count() == 0


def test_feedback_rules_are_the_forms(shop, tmp_path):
    ha, _ = shop
    path = write_csv(tmp_path / "ph.csv", [
        "Mã khách hàng,Thời gian,Số sao,Loại,Nội dung,Trạng thái,Người xử lý,Cách giải quyết,"
        "Thời gian giải quyết",
        "KH000001,05/01/2025 09:30,5,Khen,Áo đẹp,,,,",
        "KH000001,06/01/2025 10:00,2,Khiếu nại,Giao trễ,Đã giải quyết,Lan,Tặng mã giảm giá,"
        "07/01/2025 08:00",
        "KH000001,06/01/2025 11:00,,Complaint,Sai màu,,,,",
        "KH000002,06/01/2025 10:00,6,Khen,Quá tốt,,,,",
        "KH000002,06/01/2025 10:00,,Khiếu nại,,,,,",
        "KH000002,06/01/2025 10:00,,Góp ý,,,,,",
        "KH000002,06/01/2025 10:00,4,Khen,,Không rõ,,,"])
    plan = imports.plan_file(path, "feedback")
    errors = errors_of(plan)
    assert sorted(errors) == [5, 6, 7, 8]
    assert errors[5] == [("Số sao", "A rating is 1 to 5 stars.")]
    assert errors[6] == [("", "Write what the customer complains about.")]
    assert errors[7] == [("", "Give a rating or write a comment.")]
    assert errors[8][0][0] == "Trạng thái"
    result = imports.run_plan(plan, "feedback", backup_folder=tmp_path)
    assert (result.created, result.rejected) == (3, 4)
    stored = {f.comment: (f.customer_id, f.rating, f.kind, f.status, f.handler, f.resolution,
                          f.resolved_at) for f in Feedback.select()}
    assert stored == {
        "Áo đẹp": (ha.id, 5, "praise", None, None, None, None),
        "Giao trễ": (ha.id, 2, "complaint", "resolved", "Lan", "Tặng mã giảm giá",
                     utc(dt.datetime(2025, 1, 7, 8))),
        "Sai màu": (ha.id, None, "complaint", "open", None, None, None)}
    assert ImportBatch.get_by_id(result.batch_id).kind == "feedback"


def test_care_tasks(shop, tmp_path):
    ha, binh = shop
    path = write_csv(tmp_path / "cs.csv", [
        "Customer code,Task type,Stage,Step,Title,Due date,Due time,Recurrence,Status,Outcome,"
        "Assigned to",
        "KH000001,Birthday greeting,Post-sale,4,Chúc mừng sinh nhật,12/03/2026,09:00,yearly,"
        "Planned,,Lan",
        "KH000002,welcome,pre_sale,,,10/01/2025,,,Done,Đã gọi,",
        "KH000002,,,,Gọi lại,11/01/2025,,,,,",
        "KH000002,Nhảy múa,,,,11/01/2025,,,,,",
        "KH000002,,,,,,,,,,",
        "KH000002,,,,,11/01/2025,25:00,,,,",
        "KH000002,,,,,11/01/2025,,weekly,,,",
        "KH000002,,,bước hai,,11/01/2025,,,,,"])
    plan = imports.plan_file(path, "tasks")
    errors = errors_of(plan)
    assert sorted(errors) == [5, 6, 7, 8, 9]
    assert errors[5][0][0] == "Task type" and "Nhảy múa" in errors[5][0][1]
    assert errors[6] == [("Due date", "The due date is missing.")]
    assert errors[7][0][0] == "Due time"
    assert errors[8] == [("Recurrence", 'A repeat is "yearly", "days:N" or "months:N".')]
    assert errors[9][0][0] == "Step"
    result = imports.run_plan(plan, "tasks", backup_folder=tmp_path)
    assert (result.created, result.rejected) == (3, 5)
    tasks = {t.due_date: t for t in CareTask.select()}
    birthday = tasks[dt.date(2026, 3, 12)]
    assert (birthday.customer_id, birthday.task_type, birthday.stage, birthday.step,
            birthday.due_time, birthday.recurrence, birthday.status, birthday.assigned_to) == (
        ha.id, "birthday", "post_sale", 4, dt.time(9), "yearly", "planned", "Lan")
    welcome = tasks[dt.date(2025, 1, 10)]
    assert (welcome.customer_id, welcome.task_type, welcome.stage, welcome.status,
            welcome.outcome) == (binh.id, "welcome", "pre_sale", "done", "Đã gọi")
    plain = tasks[dt.date(2025, 1, 11)]
    assert (plain.task_type, plain.stage, plain.status, plain.title) == (
        "custom", "post_sale", "planned", "Gọi lại")
    again = imports.run_plan(imports.plan_file(path, "tasks"), "tasks", backup_folder=tmp_path)
    assert (again.created, again.skipped) == (0, 3)


def test_mapping_problems_are_known_errors(shop, tmp_path):
    path = write_csv(tmp_path / "x.csv", ["Tên khách hàng,Nội dung", "Hà,Hỏi giá"])
    with pytest.raises(KnownError, match="customer code or phone"):
        imports.plan_file(path, "interactions")
    path = write_csv(tmp_path / "y.csv", ["Mã khách hàng,Nội dung", "KH000001,Hỏi giá"])
    with pytest.raises(KnownError, match="holds the time"):
        imports.plan_file(path, "interactions")
    with pytest.raises(ValueError):
        imports.plan_file(path, "nothing")


def test_a_customer_trashed_after_the_preview_is_a_rejected_row(shop, tmp_path):
    ha, _ = shop
    path = write_csv(tmp_path / "tt.csv", ["Customer code,Time,Summary",
                                           "KH000001,05/01/2025 09:30,Hỏi size áo"])
    plan = imports.plan_file(path, "interactions")
    customers.trash([ha.id])
    result = imports.run_plan(plan, "interactions", backup_folder=tmp_path)
    assert (result.created, result.rejected) == (0, 1)


UNDO_FILES = {
    "interactions": ["Mã KH,Thời gian,Loại,Nội dung", "KH000001,{day} 09:30,Gọi điện,Hỏi size áo",
                     "KH000002,{day} 10:00,Zalo,Gửi ảnh mẫu"],
    "feedback": ["Mã KH,Thời gian,Số sao,Loại,Nội dung", "KH000001,{day} 09:30,2,Khiếu nại,Giao trễ",
                 "KH000002,{day} 10:00,5,Khen,Áo đẹp"],
    "tasks": ["Mã KH,Công việc,Hạn", "KH000001,Gọi lại,{day}", "KH000002,Gửi mẫu,{day}"],
}


@pytest.mark.parametrize("kind", records_import.KINDS)
def test_undo_removes_the_records_of_that_import_only(shop, tmp_path, kind):
    from shopcrm.core import care_rules
    from shopcrm.io import import_history

    ha, _ = shop
    model = {"interactions": Interaction, "feedback": Feedback, "tasks": CareTask}[kind]
    today = dt.date.today()
    lines = [line.format(day=today.strftime("%d/%m/%Y")) for line in UNDO_FILES[kind]]
    result = imports.run_plan(imports.plan_file(write_csv(tmp_path / "r.csv", lines), kind),
                              kind, backup_folder=tmp_path)
    assert result.created == 2
    typed = model.create(customer=ha, **{"interactions": {"summary": "Khách ghé xem"},
                                          "feedback": {"rating": 4},
                                          "tasks": {"due_date": today}}[kind])
    care_rules.ensure_default_rules()
    care_rules.generate(today)  # the imported complaint gets its follow-up
    follow_ups = CareTask.select().where(CareTask.source_key.contains(":complaint:"))
    assert follow_ups.count() == (1 if kind == "feedback" else 0)

    undone = import_history.undo_import(result.batch_id, backup_folder=tmp_path)
    assert undone.records_removed == 2
    kept = model.select().where(model.source_key.is_null()) if model is CareTask else model.select()
    assert [row.id for row in kept] == [typed.id]  # the engine's own tasks aside
    assert follow_ups.count() == 0
    assert ImportBatch.get_by_id(result.batch_id).undone_at is not None
    with pytest.raises(KnownError, match="already undone"):
        import_history.undo_import(result.batch_id, backup_folder=tmp_path)


def test_an_import_made_before_records_noted_their_import_cannot_be_undone(shop, tmp_path):
    from shopcrm.io import import_history

    path = write_csv(tmp_path / "lien-he.csv", ["Mã KH,Thời gian,Loại,Nội dung",
                                               "KH000001,20/11/2026 09:30,Gọi điện,Hỏi size áo"])
    result = imports.run_plan(imports.plan_file(path, "interactions"), "interactions",
                              backup_folder=tmp_path)
    Interaction.update(import_batch=None).execute()  # as schema version 3 wrote it
    with pytest.raises(KnownError, match="older ShopCRM"):
        import_history.undo_import(result.batch_id, backup_folder=tmp_path)
    assert ImportBatch.get_by_id(result.batch_id).undone_at is None
    assert Interaction.select().count() == 1

