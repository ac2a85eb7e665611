"""Customer filters that combine, and the smart lists saved from them.

A filter is a plain dict, so a smart list can be stored as JSON in the shop's
settings and shared by every counter:

    {"segment": ["loyal", "new"], "province": ["Hà Nội"], "tag": ["VIP"],
     "age_group": ["youth"], "open_complaint": True, "birthday_this_month": True}

Values of one axis are alternatives (loyal OR new); axes combine (AND). The
conditions are SQL, so the list, the counts and the exports stay fast on
100,000 customers.
"""

from __future__ import annotations

import datetime as dt
import operator
from functools import reduce
from typing import Any

import peewee

from shopcrm.core import names, settings
from shopcrm.core.errors import QT_TRANSLATE_NOOP, ValidationError
from shopcrm.core.text import nfc
from shopcrm.db.models import (
    AREA_CHOICES, FUNNEL_CHOICES, GENDER_CHOICES, INCOME_CHOICES, KIND_CHOICES, SOURCE_CHOICES,
    VALUE_CHOICES, Customer, CustomerTag, Feedback, Tag,
)

# Axes whose values are a column's own values (choices, or free text for provinces).
COLUMN_AXES: dict[str, peewee.Field] = {
    "segment": Customer.funnel_segment,
    "value_tier": Customer.value_tier,
    "source": Customer.source,
    "area": Customer.area,
    "province": Customer.province,
    "gender": Customer.gender,
    "kind": Customer.kind,
    "income": Customer.income,
}
CHOICES: dict[str, tuple[str, ...]] = {
    "segment": FUNNEL_CHOICES,
    "value_tier": VALUE_CHOICES,
    "source": SOURCE_CHOICES,
    "area": AREA_CHOICES,
    "gender": GENDER_CHOICES,
    "kind": KIND_CHOICES,
    "income": INCOME_CHOICES,
    "age_group": ("child", "youth", "middle_aged", "elderly"),
}
# Where each age group starts and ends, in whole years (core.customers.age_group).
AGE_GROUPS: dict[str, tuple[int, int | None]] = {
    "child": (0, 16), "youth": (16, 36), "middle_aged": (36, 60), "elderly": (60, None),
}
LIST_AXES = (*COLUMN_AXES, "tag", "age_group")
FLAGS = ("open_complaint", "birthday_this_month")
MAX_SMART_LISTS = 50


def clean(spec: dict[str, Any] | None) -> dict[str, Any]:
    """A filter with its empty parts dropped and every value checked (axes in a fixed order)."""
    cleaned: dict[str, Any] = {}
    for axis, value in (spec or {}).items():
        if axis not in LIST_AXES and axis not in FLAGS:
            raise ValidationError(QT_TRANSLATE_NOOP("errors", "Unknown filter: {axis}."),
                                  axis=str(axis))
    for axis in LIST_AXES:
        values = sorted({nfc(str(v)).strip() for v in (spec or {}).get(axis) or ()} - {""})
        unknown = [v for v in values if axis in CHOICES and v not in CHOICES[axis]]
        if unknown:
            raise ValidationError(QT_TRANSLATE_NOOP("errors", "Unknown filter value: {value}."),
                                  value=unknown[0])
        if values:
            cleaned[axis] = values
    for flag in FLAGS:
        if (spec or {}).get(flag):
            cleaned[flag] = True
    return cleaned


def conditions(spec: dict[str, Any], today: dt.date | None = None) -> list[peewee.Node]:
    """The WHERE conditions on Customer of a (cleaned) filter; [] for no filter."""
    today = today or dt.date.today()
    found: list[peewee.Node] = []
    for axis, field in COLUMN_AXES.items():
        if spec.get(axis):
            found.append(field.in_(spec[axis]))
    if spec.get("tag"):
        tagged = (CustomerTag.select(CustomerTag.customer).join(Tag)
                  .where(Tag.name.in_(spec["tag"])))
        found.append(Customer.id.in_(tagged))
    if spec.get("age_group"):
        found.append(reduce(operator.or_, (_age_between(g, today) for g in spec["age_group"])))
    if spec.get("open_complaint"):
        found.append(Customer.id.in_(open_complaint_customers()))
    if spec.get("birthday_this_month"):
        found.append(Customer.birthday.month == today.month)
    return found


def open_complaint_customers() -> peewee.Select:
    """Ids of the customers with a complaint not yet resolved."""
    return (Feedback.select(Feedback.customer)
            .where((Feedback.kind == "complaint") & (Feedback.status != "resolved")))


def _age_between(group: str, today: dt.date) -> peewee.Node:
    """Born so that their age today is in the group (birthday ranges: the index helps)."""
    youngest, oldest = AGE_GROUPS[group]
    condition = Customer.birthday <= _years_before(today, youngest)
    if oldest is not None:
        condition &= Customer.birthday > _years_before(today, oldest)
    return condition


def _years_before(today: dt.date, years: int) -> dt.date:
    """The last birthday that makes someone `years` old today (29 Feb: 28 Feb then)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def count(spec: dict[str, Any], today: dt.date | None = None) -> int:
    """How many customers (not in the trash) the filter keeps."""
    return (Customer.select().where(Customer.deleted_at.is_null(), *conditions(spec, today))
            .count())


# -- smart lists ---------------------------------------------------------------
def smart_lists() -> list[dict[str, Any]]:
    """The saved smart lists, [{"name", "filter"}], in the order the shop arranged them."""
    return list(settings.get("smart_lists"))


def save_smart_list(name: str, spec: dict[str, Any], replace: str | None = None) -> None:
    """Save `spec` as the smart list `name` (renaming the list `replace`, if given)."""
    name = nfc(name).strip()
    if not name:
        raise ValidationError(QT_TRANSLATE_NOOP("errors", "Give the smart list a name."))
    if len(name) > 60:
        raise ValidationError(QT_TRANSLATE_NOOP(
            "errors", "A smart list's name can have at most {max} characters."), max=60)
    spec = clean(spec)
    if not spec:
        raise ValidationError(QT_TRANSLATE_NOOP(
            "errors", "Choose at least one filter to save as a smart list."))
    lists = smart_lists()
    names = [entry["name"] for entry in lists]
    if name in names and name != replace:
        raise ValidationError(QT_TRANSLATE_NOOP(
            "errors", "There is already a smart list named “{name}”."), name=name)
    entry = {"name": name, "filter": spec}
    if replace in names:
        lists[names.index(replace)] = entry
    elif len(lists) >= MAX_SMART_LISTS:
        raise ValidationError(QT_TRANSLATE_NOOP(
            "errors", "There can be at most {max} smart lists."), max=MAX_SMART_LISTS)
    else:
        lists.append(entry)
    settings.put("smart_lists", lists)


def delete_smart_list(name: str) -> None:
    settings.put("smart_lists", [entry for entry in smart_lists() if entry["name"] != name])


def provinces() -> list[str]:
    """The provinces customers live in, for the filter's choices."""
    query = (Customer.select(Customer.province).distinct()
             .where(Customer.province.is_null(False) & (Customer.province != "")))
    return _vietnamese_order(province for (province,) in query.tuples())


def tags() -> list[str]:
    return _vietnamese_order(name for (name,) in Tag.select(Tag.name).tuples())


def _vietnamese_order(texts) -> list[str]:
    return sorted(texts, key=lambda text: names.collation_key(text.split()))
