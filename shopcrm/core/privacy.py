"""Personal data under Vietnam's Law 91/2025/QH15: consent per purpose, access, erasure.

Consent is specific to each purpose and silence is not consent, so a purpose
without an active Consent row counts as refused. Customers may ask to see their
data (export) or to erase it: erasure removes everything that identifies the
person but keeps anonymous purchases, so the shop's totals stay right. It also
deletes what import undo kept of the customer (its values before an import updated
it, the tags an import gave it), so undoing an import never brings them back.
"""

from __future__ import annotations

from shopcrm.core import customers
from shopcrm.core.errors import QT_TRANSLATE_NOOP, ValidationError
from shopcrm.db.connection import db
from shopcrm.db.models import (
    CONSENT_PURPOSE_CHOICES, AuditLog, CareTask, Consent, Customer, CustomerTag, Feedback,
    ImportChange, ImportTagLink, Interaction, utcnow,
)

# Task types that are marketing and need the "marketing" consent to be proposed.
MARKETING_TASKS = ("loyalty_offer", "win_back")
ERASED_TEXT = "—"
PERSONAL_FIELDS = ("phone", "phone2", "email", "zalo", "facebook", "address", "ward",
                   "district", "birthday", "notes", "tax_code", "honorific", "referred_by")


def active_consents(customer_id: int) -> dict[str, Consent]:
    """purpose -> the consent in force (given and not withdrawn)."""
    rows = Consent.select().where((Consent.customer == customer_id)
                                  & Consent.withdrawn_at.is_null())
    return {row.purpose: row for row in rows}


def set_consent(customer_id: int, purpose: str, given: bool, channel: str | None = None,
                user: str | None = None) -> None:
    """Record consent given (with its date and channel) or withdrawn, and audit it."""
    if purpose not in CONSENT_PURPOSE_CHOICES:
        raise ValidationError(QT_TRANSLATE_NOOP("errors", "Unknown purpose of consent."))
    with db.atomic():
        current = active_consents(customer_id).get(purpose)
        if given and current is None:
            Consent.create(customer=customer_id, purpose=purpose, channel=channel)
        elif not given and current is not None:
            current.withdrawn_at = utcnow()
            current.save()
        else:
            return
        AuditLog.create(user=user, action="consent" if given else "consent_withdrawn",
                        details=f"customer {customer_id}: {purpose}")


def without_marketing_consent():
    """A condition on CareTask: marketing tasks of customers who did not agree to marketing."""
    agreed = (Consent.select(Consent.customer)
              .where((Consent.purpose == "marketing") & Consent.withdrawn_at.is_null()))
    return CareTask.task_type.in_(MARKETING_TASKS) & CareTask.customer.not_in(agreed)


def erase_personal_data(customer_id: int, user: str | None = None) -> Customer:
    """Anonymise a customer for an erasure request; purchases stay, without a person."""
    with db.atomic():
        customer = Customer.get_by_id(customer_id)
        values = {field: None for field in PERSONAL_FIELDS}
        values.update(name=customer.code, gender="unknown", income=None, area=None,
                      source=None, relation="external")
        values.update(customers.derived({**values, "code": customer.code}))
        (Customer.update(**values, updated_at=utcnow(), version=Customer.version + 1)
         .where(Customer.id == customer_id).execute())
        Interaction.update(summary=ERASED_TEXT, staff=None).where(
            Interaction.customer == customer_id).execute()
        Feedback.update(comment=None, resolution=None, handler=None).where(
            Feedback.customer == customer_id).execute()
        CareTask.update(title=None, outcome=None).where(CareTask.customer == customer_id).execute()
        CustomerTag.delete().where(CustomerTag.customer == customer_id).execute()
        ImportChange.delete().where(ImportChange.customer == customer_id).execute()
        ImportTagLink.delete().where(ImportTagLink.customer == customer_id).execute()
        Customer.update(referred_by=None).where(Customer.referred_by == customer_id).execute()
        Consent.update(withdrawn_at=utcnow()).where(
            (Consent.customer == customer_id) & Consent.withdrawn_at.is_null()).execute()
        AuditLog.create(user=user, action="erase", details=f"personal data of {customer.code}")
    return Customer.get_by_id(customer_id)
