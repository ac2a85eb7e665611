"""Consent per purpose, the access export and erasure (Law 91/2025/QH15)."""

from __future__ import annotations

import datetime as dt
import json

from shopcrm.core import care, customers, listing, privacy
from shopcrm.db.models import AuditLog, CareTask, Consent, Customer, Feedback, Interaction, Purchase
from shopcrm.io.personal_data import export_personal_data


def test_consent_is_per_purpose_and_can_be_withdrawn(db):
    ha = customers.create({"name": "Nguyễn Thị Hà"})
    assert privacy.active_consents(ha.id) == {}  # silence is not consent
    privacy.set_consent(ha.id, "keep_data", True, channel="store")
    privacy.set_consent(ha.id, "marketing", True, channel="zalo")
    privacy.set_consent(ha.id, "marketing", True)  # again: nothing new
    assert set(privacy.active_consents(ha.id)) == {"keep_data", "marketing"}
    assert privacy.active_consents(ha.id)["marketing"].channel == "zalo"
    privacy.set_consent(ha.id, "marketing", False)
    assert set(privacy.active_consents(ha.id)) == {"keep_data"}
    assert Consent.select().count() == 2
    assert [a.action for a in AuditLog.select().order_by(AuditLog.id)] == [
        "consent", "consent", "consent_withdrawn"]


def test_marketing_tasks_need_marketing_consent(db):
    today = dt.date.today()
    ha = customers.create({"name": "Nguyễn Thị Hà"})
    for task_type in ("thank_you", "loyalty_offer", "win_back"):
        CareTask.create(customer=ha, task_type=task_type, due_date=today)
    assert [t.task_type for t in care.due_by(today)] == ["thank_you"]
    assert care.counts(today) == (0, 1)
    privacy.set_consent(ha.id, "marketing", True)
    assert sorted(t.task_type for t in care.due_by(today)) == [
        "loyalty_offer", "thank_you", "win_back"]


def test_export_holds_everything_about_the_customer(db, tmp_path):
    ha = customers.create({"name": "Nguyễn Thị Hà", "phone": "0912345678",
                           "birthday": "17/05/1990"})
    Purchase.create(customer=ha, date=dt.date(2026, 3, 1), amount=1_250_000, description="Áo dài")
    Interaction.create(customer=ha, kind="call", summary="Hỏi thăm")
    privacy.set_consent(ha.id, "keep_data", True, channel="store")
    path = export_personal_data(ha.id, tmp_path / "ha.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["customer"]["name"] == "Nguyễn Thị Hà"
    assert data["customer"]["birthday"] == "1990-05-17"
    assert data["purchases"][0]["amount"] == 1_250_000
    assert data["interactions"][0]["summary"] == "Hỏi thăm"
    assert data["consents"][0]["purpose"] == "keep_data"
    assert "search_key" not in data["customer"]
    assert AuditLog.select().where(AuditLog.action == "export_personal_data").count() == 1


def test_erasure_removes_the_person_and_keeps_anonymous_totals(db):
    ha = customers.create({"name": "Nguyễn Thị Hà", "phone": "0912345678", "email": "ha@x.vn",
                           "address": "12 Hàng Bạc", "birthday": "17/05/1990",
                           "notes": "Thích màu xanh"})
    duc = customers.create({"name": "Trần Đức", "referred_by": ha.code})
    Purchase.create(customer=ha, date=dt.date(2026, 3, 1), amount=1_250_000)
    Interaction.create(customer=ha, kind="call", summary="Chị Hà hẹn thứ Hai")
    Feedback.create(customer=ha, rating=5, comment="Rất hài lòng, chị Hà")
    privacy.set_consent(ha.id, "marketing", True)

    erased = privacy.erase_personal_data(ha.id)
    assert erased.name == ha.code
    assert (erased.phone, erased.email, erased.address, erased.birthday, erased.notes) == (
        None, None, None, None, None)
    assert listing.find_ids("nguyen ha") == [] and listing.find_ids("0912345678") == []
    assert Purchase.get().amount == 1_250_000  # totals for reports stay
    assert Interaction.get().summary == privacy.ERASED_TEXT
    assert Feedback.get().comment is None and Feedback.get().rating == 5
    assert Customer.get_by_id(duc.id).referred_by is None
    assert privacy.active_consents(ha.id) == {}
    assert AuditLog.select().where(AuditLog.action == "erase").count() == 1
