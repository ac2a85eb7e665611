"""What a customer bought: the figures the detail pane and summaries show."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from peewee import fn

from shopcrm.core.dates import as_date
from shopcrm.db.models import Purchase


class PurchaseSummary(NamedTuple):
    count: int
    total: int
    first: dt.date | None
    last: dt.date | None

    @property
    def average(self) -> int:
        return self.total // self.count if self.count else 0

    def days_since_last(self, today: dt.date) -> int | None:
        return (today - self.last).days if self.last else None


def purchase_summary(customer_id: int) -> PurchaseSummary:
    """Number of purchases, total spent (VND), first and last purchase date."""
    count, total, first, last = (
        Purchase.select(fn.COUNT(Purchase.id), fn.COALESCE(fn.SUM(Purchase.amount), 0),
                        fn.MIN(Purchase.date), fn.MAX(Purchase.date))
        .where(Purchase.customer == customer_id)
        .tuples()
        .get()
    )
    return PurchaseSummary(count, int(total), as_date(first), as_date(last))
