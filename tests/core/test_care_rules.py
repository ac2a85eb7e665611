"""The care engine: default rules, idempotent generation, catch-up, hooks, consent."""

from __future__ import annotations

import datetime as dt
import re

from shopcrm.core import (
    care, care_rules, customers, feedback, privacy, purchases, segments, settings,
)
from shopcrm.db.models import CareRule, CareTask, Customer, Purchase

TODAY = dt.date.today()


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def tasks(task_type: str | None = None) -> list[tuple[str, dt.date, str]]:
    query = CareTask.select().order_by(CareTask.due_date, CareTask.id)
    if task_type:
        query = query.where(CareTask.task_type == task_type)
    return [(t.task_type, t.due_date, t.status) for t in query]


def rule(trigger: str) -> CareRule:
    return CareRule.get(CareRule.trigger == trigger)


def old_customer(raw: dict) -> Customer:
    """A customer added long ago (no welcome task in the way)."""
    customer = customers.create(raw)
    Customer.update(created_at=dt.datetime(2020, 1, 1)).where(Customer.id == customer.id).execute()
    return customer


def test_default_rules_are_created_once(db):
    assert care_rules.ensure_default_rules() == 7
    assert care_rules.ensure_default_rules() == 0
    found = {r.task_type: (r.trigger, r.offset_days, r.stage) for r in CareRule.select()}
    assert found == {
        "thank_you": ("after_purchase", 2, "post_sale"),
        "feedback_request": ("after_purchase", 7, "post_sale"),
        "birthday": ("birthday", 0, "post_sale"),
        "win_back": ("became_lapsed", 0, "post_sale"),
        "loyalty_offer": ("became_loyal", 0, "post_sale"),
        "complaint_follow_up": ("complaint", 1, "post_sale"),
        "welcome": ("new_customer", 1, "pre_sale"),
    }
    assert all(r.template and r.enabled for r in CareRule.select())
    assert "{honorific}" in rule("birthday").template


def test_purchase_makes_thank_you_and_feedback_request_once(db):
    care_rules.ensure_default_rules()
    ha = old_customer({"name": "Nguyễn Thị Hà"})
    purchases.add_purchase(ha.id, TODAY - days(3), 500_000)  # its hook makes them at once
    assert care_rules.generate(TODAY).total == 0
    assert tasks() == [("thank_you", TODAY - days(1), "planned"),
                       ("feedback_request", TODAY + days(4), "planned")]
    task = CareTask.get(CareTask.task_type == "thank_you")
    assert (task.stage, task.step, task.rule_id) == ("post_sale", 2, rule("after_purchase").id)
    assert care_rules.generate(TODAY).total == 0  # no duplicates on re-run
    assert care_rules.generate(TODAY + days(1)).total == 0
    assert CareTask.select().count() == 2


def test_far_away_tasks_are_not_created_yet(db):
    care_rules.ensure_default_rules()
    ha = old_customer({"name": "Nguyễn Thị Hà"})
    CareRule.update(offset_days=30).where(CareRule.task_type == "feedback_request").execute()
    purchases.add_purchase(ha.id, TODAY, 500_000)
    assert [task for task, _due, _status in tasks()] == ["thank_you"]
    assert care_rules.generate(TODAY).total == 0
    assert care_rules.generate(TODAY + days(23)).created == {"feedback_request": 1}


def test_catch_up_after_ten_days_closed(db):
    care_rules.ensure_default_rules()
    ha = old_customer({"name": "Nguyễn Thị Hà"})
    an = old_customer({"name": "Lê Văn An", "birthday": dt.date(1990, 1, 1)})
    purchases.add_purchase(ha.id, TODAY - days(40), 200_000)  # too long ago: not caught up
    for back in (12, 9, 5):
        purchases.add_purchase(ha.id, TODAY - days(back), 100_000)
    birthday = TODAY - days(6)  # (29-31: a few days earlier, still in the 14 caught up)
    Customer.update(birthday=dt.date(1990, birthday.month, min(birthday.day, 28))).where(
        Customer.id == an.id).execute()
    created = care_rules.generate(TODAY)
    thanks = [due for _, due, _ in tasks("thank_you")]
    assert thanks == [TODAY - days(10), TODAY - days(7), TODAY - days(3)]
    assert [due for _, due, _ in tasks("feedback_request")] == [
        TODAY - days(5), TODAY - days(2), TODAY + days(2)]
    assert created.created["birthday"] == 1
    assert care_rules.generate(TODAY).total == 0
    overdue = [row.task_type for row in care.sheet(TODAY) if row.overdue(TODAY)]
    assert overdue.count("thank_you") == 3


def test_the_catch_up_limit_is_a_setting(db):
    from shopcrm.core import settings

    care_rules.ensure_default_rules()
    ha = old_customer({"name": "Nguyễn Thị Hà"})
    purchases.add_purchase(ha.id, TODAY - days(30), 100_000)
    assert care_rules.generate(TODAY).total == 0
    settings.put("care_catch_up_days", 60)
    assert care_rules.generate(TODAY).created == {"thank_you": 1, "feedback_request": 1}


def test_deleting_a_purchase_removes_its_tasks_not_done(db):
    care_rules.ensure_default_rules()
    ha = old_customer({"name": "Nguyễn Thị Hà"})
    kept = purchases.add_purchase(ha.id, TODAY - days(8), 100_000)
    gone = purchases.add_purchase(ha.id, TODAY - days(1), 300_000)
    care_rules.generate(TODAY)
    done = CareTask.get(CareTask.source_key == f"rule:{rule('after_purchase').id}"
                                              f":purchase:{kept.id}")
    care.complete(done.id, "Khách hài lòng")
    assert CareTask.select().count() == 4
    purchases.delete_purchase(gone.id)  # its hook removes its two planned tasks
    assert CareTask.select().count() == 2
    assert care_rules.purchase_deleted(gone.id) == 0  # nothing left to remove
    purchases.delete_purchase(kept.id)
    assert tasks() == [("thank_you", TODAY - days(6), "done")]  # history stays
    assert care_rules.generate(TODAY).total == 0


def test_editing_a_purchase_moves_its_planned_tasks(db):
    care_rules.ensure_default_rules()
    ha = old_customer({"name": "Nguyễn Thị Hà"})
    bought = purchases.add_purchase(ha.id, TODAY - days(1), 100_000)
    care_rules.generate(TODAY)
    purchases.update_purchase(bought.id, date=TODAY - days(4))
    care_rules.purchase_changed(bought.id, TODAY)
    assert tasks() == [("thank_you", TODAY - days(2), "planned"),
                       ("feedback_request", TODAY + days(3), "planned")]
    fresh = purchases.add_purchase(ha.id, TODAY, 100_000)
    care_rules.purchase_changed(fresh.id, TODAY)  # the hook creates its tasks at once
    assert len(tasks("thank_you")) == 2


def test_birthday_greeting_on_the_day_and_yearly(db):
    care_rules.ensure_default_rules()
    ha = old_customer({"name": "Nguyễn Thị Hà", "gender": "female",
                       "birthday": dt.date(1990, 7, 14)})
    assert care_rules.generate(dt.date(2030, 7, 1)).total == 0  # 13 days ahead: not yet
    assert care_rules.generate(dt.date(2030, 7, 8)).created == {"birthday": 1}
    task = CareTask.get()
    assert (task.due_date, task.recurrence) == (dt.date(2030, 7, 14), "yearly")
    assert task.source_key == f"rule:{rule('birthday').id}:birthday:{ha.id}:2030"
    next_id = care.complete(task.id, "Đã gọi chúc mừng", today=dt.date(2030, 7, 14))
    assert CareTask.get_by_id(next_id).due_date == dt.date(2031, 7, 14)
    assert care_rules.generate(dt.date(2031, 7, 10)).total == 0  # the same task, once


def test_birthday_on_29_february(db):
    care_rules.ensure_default_rules()
    old_customer({"name": "Trần Văn Bốn", "birthday": dt.date(2000, 2, 29)})
    care_rules.generate(dt.date(2031, 2, 28))  # not a leap year: on 28 February
    care_rules.generate(dt.date(2032, 2, 28))  # a leap year: on 29 February
    assert [due for _, due, _ in tasks("birthday")] == [dt.date(2031, 2, 28),
                                                        dt.date(2032, 2, 29)]
    task = CareTask.get(CareTask.due_date == dt.date(2032, 2, 29))
    next_id = care.complete(task.id, today=dt.date(2032, 2, 29))
    assert CareTask.get_by_id(next_id).due_date == dt.date(2033, 2, 28)


def test_birthday_days_before(db):
    care_rules.ensure_default_rules()
    CareRule.update(offset_days=-3).where(CareRule.trigger == "birthday").execute()
    old_customer({"name": "Lê An", "birthday": dt.date(1985, 1, 2)})
    care_rules.generate(dt.date(2030, 12, 28))
    assert [due for _, due, _ in tasks("birthday")] == [dt.date(2030, 12, 30)]
    assert CareTask.get().source_key.endswith(":2031")


def test_win_back_when_lapsed_needs_consent_and_goes_when_they_return(db):
    care_rules.ensure_default_rules()
    segments.save_rules({"lapsed_after_days": 30})
    ha = old_customer({"name": "Nguyễn Thị Hà"})
    an = old_customer({"name": "Lê An"})
    for customer in (ha, an):
        purchases.add_purchase(customer.id, TODAY - days(35), 100_000)
    privacy.set_consent(ha.id, "marketing", True)
    created = care_rules.generate(TODAY)
    assert created.created.get("win_back") == 1  # Lê An gave no marketing consent
    assert tasks("win_back") == [("win_back", TODAY - days(4), "planned")]
    assert CareTask.get(CareTask.task_type == "win_back").customer_id == ha.id
    comeback = purchases.add_purchase(ha.id, TODAY, 100_000)
    care_rules.purchase_changed(comeback.id, TODAY)
    assert tasks("win_back") == []
    privacy.set_consent(an.id, "marketing", True)
    assert care_rules.generate(TODAY).created.get("win_back") == 1  # consent given: now


def test_loyalty_offer_when_a_customer_becomes_loyal(db):
    care_rules.ensure_default_rules()
    ha = old_customer({"name": "Nguyễn Thị Hà"})
    privacy.set_consent(ha.id, "marketing", True)
    for back in (100, 50):
        purchases.add_purchase(ha.id, TODAY - days(back), 100_000)
    assert care_rules.generate(TODAY).created.get("loyalty_offer") is None
    purchases.add_purchase(ha.id, TODAY - days(2), 100_000)  # the third day: loyal
    purchases.add_purchase(ha.id, TODAY - days(1), 100_000)  # still loyal: no new offer
    care_rules.generate(TODAY)
    assert tasks("loyalty_offer") == [("loyalty_offer", TODAY - days(2), "planned")]
    assert care_rules.generate(TODAY + days(1)).total == 0


def test_complaint_follow_up_within_a_day(db):
    care_rules.ensure_default_rules()
    ha = old_customer({"name": "Nguyễn Thị Hà"})
    ticket = feedback.add_feedback(ha.id, "complaint", comment="Giao hàng chậm")
    care_rules.generate(TODAY)
    opened = care_rules.local_day(ticket.at)
    assert tasks("complaint_follow_up") == [("complaint_follow_up", opened + days(1), "planned")]
    feedback.delete_feedback(ticket.id)  # its hook removes the follow-up not done
    assert tasks("complaint_follow_up") == []


def test_welcome_for_a_new_customer_not_an_imported_one(db):
    from shopcrm.db.models import ImportBatch

    care_rules.ensure_default_rules()
    new = customers.create({"name": "Nguyễn Thị Hà"})
    imported = customers.create({"name": "Lê An"})
    batch = ImportBatch.create(file_name="khach.xlsx")
    Customer.update(import_batch=batch).where(Customer.id == imported.id).execute()
    assert care_rules.generate(TODAY).created == {"welcome": 1}
    task = CareTask.get()
    assert (task.customer_id, task.due_date, task.stage) == (
        new.id, care_rules.local_day(new.created_at) + days(1), "pre_sale")


def test_no_tasks_for_customers_in_the_trash_or_disabled_rules(db):
    care_rules.ensure_default_rules()
    ha = old_customer({"name": "Nguyễn Thị Hà", "birthday": dt.date(1990, 7, 14)})
    Purchase.create(customer=ha.id, date=TODAY - days(1), amount=100_000)  # as an import does
    customers.trash([ha.id])
    assert care_rules.generate(dt.date(2030, 7, 14)).total == 0
    assert care_rules.generate(TODAY).total == 0
    customers.restore([ha.id])
    CareRule.update(enabled=False).where(CareRule.task_type == "thank_you").execute()
    assert care_rules.generate(TODAY).created == {"feedback_request": 1}


# -- the bookkeeping of generate(): a run reads only what the last one could not see ----

def test_a_re_run_reads_nothing_and_rows_written_behind_its_back_are_seen(db):
    care_rules.ensure_default_rules()
    ha = old_customer({"name": "Nguyễn Thị Hà"})
    Purchase.create(customer=ha.id, date=TODAY - days(1), amount=100_000)  # an import: no hook
    assert care_rules.generate(TODAY).created == {"thank_you": 1, "feedback_request": 1}
    remembered = settings.get(care_rules.GENERATED_KEY)
    assert remembered["on"] == TODAY.isoformat()
    assert care_rules.generate(TODAY).total == 0
    Purchase.create(customer=ha.id, date=TODAY - days(3), amount=100_000)  # another import
    assert care_rules.generate(TODAY).created == {"thank_you": 1, "feedback_request": 1}
    ticket = feedback.add_feedback(ha.id, "complaint", comment="Giao hàng chậm")
    new = customers.create({"name": "Lê An", "birthday": dt.date(2000, 3, 1)})
    created = care_rules.generate(TODAY).created
    assert created["complaint_follow_up"] == 1 and created["welcome"] == 1
    assert care_rules.generate(TODAY).total == 0
    feedback.delete_feedback(ticket.id)  # its hook: the follow-up goes, nothing comes back
    assert care_rules.generate(TODAY).total == 0
    assert CareTask.select().where(CareTask.customer == new.id).count() == 1


def test_a_back_dated_purchase_still_yields_its_tasks(db):
    care_rules.ensure_default_rules()
    segments.save_rules({"lapsed_after_days": 30})
    ha = old_customer({"name": "Nguyễn Thị Hà"})
    privacy.set_consent(ha.id, "marketing", True)
    bought = purchases.add_purchase(ha.id, TODAY, 100_000)
    assert care_rules.generate(TODAY).total == 0  # the hook made its tasks
    purchases.update_purchase(bought.id, date=TODAY - days(31))  # lapsed since yesterday
    created = care_rules.generate(TODAY).created
    assert created == {"win_back": 1}
    assert tasks("win_back") == [("win_back", TODAY - days(0), "planned")]
    old = old_customer({"name": "Lê An"})
    privacy.set_consent(old.id, "marketing", True)
    care_rules.generate(TODAY)
    Purchase.create(customer=old.id, date=TODAY - days(32), amount=100_000)  # an import
    assert care_rules.generate(TODAY).created == {"win_back": 1}


def test_a_rule_edited_or_a_customer_changed_reads_everything_again(db):
    care_rules.ensure_default_rules()
    CareRule.update(enabled=False).where(CareRule.task_type == "thank_you").execute()
    ha = old_customer({"name": "Nguyễn Thị Hà"})
    Purchase.create(customer=ha.id, date=TODAY - days(1), amount=100_000)
    assert care_rules.generate(TODAY).created == {"feedback_request": 1}
    CareRule.update(enabled=True).where(CareRule.task_type == "thank_you").execute()
    assert care_rules.generate(TODAY).created == {"thank_you": 1}
    CareRule.create(name="Gọi hỏi thăm", trigger="after_purchase", task_type="custom",
                    offset_days=0, enabled=True)
    assert care_rules.generate(TODAY).created == {"custom": 1}
    birthday = TODAY + days(2)
    current = customers.get(ha.id)
    customers.update(ha.id, {"name": current.name, "birthday": dt.date(2000, birthday.month,
                                                                        birthday.day)},
                     current.version)
    assert care_rules.generate(TODAY).created == {"birthday": 1}
    customers.trash([ha.id])
    assert care_rules.generate(TODAY).total == 0
    customers.restore([ha.id])
    assert care_rules.generate(TODAY).total == 0
    CareTask.delete().where(CareTask.task_type == "custom").execute()  # by hand
    assert care_rules.generate(TODAY).created == {"custom": 1}
    settings.put("care_catch_up_days", 30)
    Purchase.create(customer=ha.id, date=TODAY - days(25), amount=100_000)
    assert care_rules.generate(TODAY).created == {"thank_you": 1, "feedback_request": 1,
                                                  "custom": 1}


def test_day_after_day_makes_what_a_full_run_makes(db):
    """Runs on following days (and a gap), with rows added between them, end with the
    very tasks that one full run a day makes: events of days that became past since
    (win-backs, loyalty offers), due dates beyond the last window, rows written since."""
    care_rules.ensure_default_rules()
    segments.save_rules({"lapsed_after_days": 20, "loyal_purchases": 2})
    people = [old_customer({"name": f"Khách {n}", "birthday": TODAY - days(n * 3)})
              for n in range(1, 11)]
    for person in people[1:]:
        privacy.set_consent(person.id, "marketing", True)

    def week(full: bool) -> set[str]:
        CareTask.delete().execute()
        Purchase.delete().execute()
        for index, person in enumerate(people):  # lapsed on days -9, -11, -13, …
            Purchase.create(customer=person.id, date=TODAY - days(30 + 2 * index),
                            amount=100_000)
        for index, person in enumerate(people[6:]):  # loyal on days -8, -6, -4, -2
            Purchase.create(customer=person.id, date=TODAY - days(8 - 2 * index),
                            amount=100_000)
        care_rules.forget_generated()
        for day in (-12, -11, -10, -6, -5, -5, 0):
            if day in (-11, -6):  # purchases written since (some back-dated)
                for index, person in enumerate(people[3:6] + people[8:]):
                    Purchase.create(customer=person.id, date=TODAY + days(day - 2 * index),
                                    amount=200_000)
            if full:
                care_rules.forget_generated()
            care_rules.generate(TODAY + days(day))
        # purchase ids differ from week to week (PostgreSQL does not reuse them)
        return sorted((re.sub(r"purchase:\d+", "purchase", t.source_key), t.customer_id,
                       t.due_date, t.status) for t in CareTask.select())

    incremental = week(full=False)
    assert incremental == week(full=True)
    assert sum(":lapsed:" in key for key, *_ in incremental) >= 2
    assert sum(":loyal:" in key for key, *_ in incremental) >= 3
