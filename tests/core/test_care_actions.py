"""Acting on care tasks: complete, skip, snooze, reassign, recurrence; templates; the CLI."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from shopcrm import cli
from shopcrm.core import care, care_rules, customers, purchases, settings, templates
from shopcrm.core.errors import ValidationError
from shopcrm.db import connection
from shopcrm.db.models import CareTask, Customer, Interaction

TODAY = dt.date.today()


def task_for(customer, **fields) -> CareTask:
    values = {"task_type": "thank_you", "title": "Gọi cảm ơn", "due_date": TODAY, **fields}
    return CareTask.create(customer=customer, **values)


def test_complete_and_skip_log_the_interaction(db):
    ha = customers.create({"name": "Nguyễn Thị Hà"})
    done, skipped = task_for(ha), task_for(ha, title="Xin đánh giá")
    assert care.complete(done.id, "Chị Hà rất hài lòng", kind="call", staff="Lan") is None
    care.skip(skipped.id, "Không liên lạc được")
    care.complete(done.id, "again")  # finished already: nothing more
    assert [(t.status, t.outcome) for t in CareTask.select().order_by(CareTask.id)] == [
        ("done", "Chị Hà rất hài lòng"), ("skipped", "Không liên lạc được")]
    logged = [(i.kind, i.staff, i.summary) for i in Interaction.select().order_by(Interaction.id)]
    assert logged == [("call", "Lan", "Gọi cảm ơn: Chị Hà rất hài lòng"),
                      ("note", None, "Xin đánh giá (bỏ qua): Không liên lạc được")]
    assert CareTask.get_by_id(done.id).done_at is not None


def test_snooze_and_reassign(db):
    ha = customers.create({"name": "Nguyễn Thị Hà"})
    task = task_for(ha, due_date=TODAY - dt.timedelta(days=2))
    care.snooze(task.id, TODAY + dt.timedelta(days=7))
    assert CareTask.get_by_id(task.id).due_date == TODAY + dt.timedelta(days=7)
    assert care.due_by(TODAY) == []
    with pytest.raises(ValidationError):
        care.snooze(task.id, TODAY - dt.timedelta(days=1))
    care.reassign(task.id, "  Lan ")
    assert CareTask.get_by_id(task.id).assigned_to == "Lan"
    care.reassign(task.id, "")
    assert CareTask.get_by_id(task.id).assigned_to is None
    care.complete(task.id, "ok")
    with pytest.raises(ValidationError):
        care.snooze(task.id, TODAY)
    assert Interaction.select().count() == 1


@pytest.mark.parametrize("recurrence, due, expected", [
    ("days:30", dt.date(2030, 1, 10), dt.date(2030, 2, 9)),
    ("months:1", dt.date(2030, 1, 31), dt.date(2030, 2, 28)),
    ("yearly", dt.date(2028, 2, 29), dt.date(2029, 2, 28)),
])
def test_next_due(recurrence, due, expected):
    assert care.next_due(due, recurrence, due) == expected


def test_recurring_task_comes_back_after_today_once(db):
    ha = customers.create({"name": "Nguyễn Thị Hà"})
    task = task_for(ha, due_date=TODAY - dt.timedelta(days=25), recurrence="days:10")
    next_id = care.complete(task.id, "Đã gọi")
    again = CareTask.get_by_id(next_id)
    assert (again.due_date, again.status, again.recurrence) == (
        TODAY + dt.timedelta(days=5), "planned", "days:10")
    assert care.next_due(TODAY, "days:10", TODAY) == TODAY + dt.timedelta(days=10)
    with pytest.raises(ValidationError):
        care.parse_recurrence("weekly")


def test_fill_placeholders(db):
    ha = customers.create({"name": "Nguyễn Thị Thu Hà", "gender": "female",
                           "birthday": dt.date(1995, 5, 5)})
    purchases.add_purchase(ha.id, dt.date(2024, 3, 1), 1_250_000, "áo dài")
    text = templates.fill("Chào {honorific} {given_name} ({name}), {shop} cảm ơn vì {last_purchase}"
                          " ngày {last_purchase_date}; {points} điểm. {Honorific} ơi {voucher} {",
                          Customer.get_by_id(ha.id), "Shop Mai", today=dt.date(2026, 1, 1))
    assert text == ("Chào chị Hà (Nguyễn Thị Thu Hà), Shop Mai cảm ơn vì áo dài ngày 01/03/2024;"
                    " 12 điểm. Chị ơi {voucher} {")
    Customer.update(honorific="cô").where(Customer.id == ha.id).execute()
    assert templates.fill("{honorific} {given_name}", Customer.get_by_id(ha.id), "") == "cô Hà"
    assert templates.fill(None, Customer.get_by_id(ha.id)) == ""
    assert templates.fill("{0} {} {name!r} {name:>5}", Customer.get_by_id(ha.id)) == (
        "{0} {} {name!r} {name:>5}")
    org = customers.create({"name": "Công ty TNHH Hoa Mai", "kind": "organisation"})
    assert templates.fill("Kính gửi {honorific} {given_name}", Customer.get_by_id(org.id)) == (
        "Kính gửi quý khách Công ty TNHH Hoa Mai")


def test_every_default_template_fills(db):
    ha = customers.create({"name": "Nguyễn Thị Hà"})
    for task_type, template in templates.DEFAULTS.items():
        text = templates.fill(template, Customer.get_by_id(ha.id), "Shop Mai")
        assert "{" not in text, task_type


def test_sheet_shows_the_filled_message(db):
    settings.put("shop_name", "Shop Mai")
    care_rules.ensure_default_rules()
    ha = customers.create({"name": "Nguyễn Thị Hà", "phone": "0912345678", "gender": "female",
                           "birthday": dt.date(1990, 1, 1)})
    Customer.update(created_at=dt.datetime(2020, 1, 1)).where(Customer.id == ha.id).execute()
    purchases.add_purchase(ha.id, TODAY - dt.timedelta(days=2), 100_000, "váy hoa")
    generated, rows = care.run_day(TODAY)
    assert generated.total == 0  # the purchase made its tasks when it was added
    (row,) = rows
    assert (row.customer_code, row.phone, row.task_type, row.due_date) == (
        "KH000001", "0912345678", "thank_you", TODAY)
    assert row.message.startswith("Shop Mai cảm ơn chị Hà đã mua váy hoa!")


def test_cli_care_runs_the_rules_and_prints_the_tasks(db, db_url, capsys):
    ha = customers.create({"name": "Nguyễn Thị Hà", "phone": "0912345678"})
    Customer.update(created_at=dt.datetime(2020, 1, 1)).where(Customer.id == ha.id).execute()
    purchases.add_purchase(ha.id, TODAY - dt.timedelta(days=3), 100_000)
    purchases.add_purchase(ha.id, TODAY - dt.timedelta(days=2), 100_000)
    connection.close()
    assert cli.main(["--db", db_url, "care", "--date", TODAY.isoformat()]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Overdue (1)"
    assert lines[1].startswith(f"KH000001\tNguyễn Thị Hà\t0912 345 678\tthank_you\t"
                               f"{(TODAY - dt.timedelta(days=1)).isoformat()}\tShop cảm ơn quý khách Hà")
    assert lines[2] == "Due today (1)"
    assert cli.main(["--db", db_url, "care", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["created"] == {}  # the first run made them
    assert [(t["task_type"], t["overdue"]) for t in out["tasks"]] == [
        ("thank_you", True), ("thank_you", False)]
    with pytest.raises(SystemExit):
        cli.main(["--db", db_url, "care", "--date", "31/12/2026"])
