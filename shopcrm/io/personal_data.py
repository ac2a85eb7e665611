"""Everything the shop holds about one customer, as a JSON file (an access request)."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from playhouse.shortcuts import model_to_dict

from shopcrm.db.connection import is_read_only
from shopcrm.db.models import (
    AuditLog, CareTask, Consent, Customer, CustomerTag, Feedback, Interaction, Purchase, Tag,
)

_INTERNAL = {"search_key", "sort_key", "version", "import_batch"}


def _plain(value):
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    return value


def _rows(model, customer_id: int) -> list[dict]:
    query = model.select().where(model.customer == customer_id).order_by(model.id)
    return [{k: _plain(v) for k, v in model_to_dict(row, recurse=False).items()
             if k != "customer"} for row in query]


def personal_data(customer_id: int) -> dict:
    """The customer's record and every record about them, ready for json.dumps."""
    customer = Customer.get_by_id(customer_id)
    record = {k: _plain(v) for k, v in model_to_dict(customer, recurse=False).items()
              if k not in _INTERNAL}
    tags = [t.name for t in Tag.select().join(CustomerTag)
            .where(CustomerTag.customer == customer_id).order_by(Tag.name)]
    return {
        "customer": record,
        "tags": tags,
        "consents": _rows(Consent, customer_id),
        "purchases": _rows(Purchase, customer_id),
        "interactions": _rows(Interaction, customer_id),
        "feedback": _rows(Feedback, customer_id),
        "care_tasks": _rows(CareTask, customer_id),
    }


def export_personal_data(customer_id: int, path: Path, user: str | None = None) -> Path:
    """Write the customer's data to `path` (readable by the owner only) and audit the export."""
    data = personal_data(customer_id)
    path = Path(path)
    temp = path.with_name(path.name + ".part")
    fd = os.open(temp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(data, out, ensure_ascii=False, indent=2)
    os.replace(temp, path)
    if is_read_only():  # an access request can be answered from a read-only database too
        return path
    AuditLog.create(user=user, action="export_personal_data",
                    details=f"{data['customer']['code']} to {path.name}")
    return path
