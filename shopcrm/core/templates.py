"""Message templates of care tasks: "Chúc mừng sinh nhật chị Hà! …".

A template is plain text with placeholders in braces:

    {honorific}      how the message addresses the customer: "chị", "anh", "quý khách"
                     (the shop's choice for that customer, else core.honorifics' guess)
    {Honorific}      the same, capitalised, to start a sentence: "Chị"
    {name}           the full name: "Nguyễn Thị Thu Hà"
    {given_name}     the given name: "Hà" (an organisation: its whole name)
    {shop}           the shop's name (the setting "shop_name"; "Shop" while it is blank)
    {last_purchase}  what the customer bought last (its description), else its date
    {last_purchase_date}  the date of the last purchase, dd/mm/yyyy
    {points}         loyalty points: one per `loyalty_points_vnd` ₫ spent (setting)

`fill()` never fails: an unknown placeholder ({voucher}), a value the customer lacks
(no purchase yet: empty) or a stray brace is left as written, so the shop sees
what to fix instead of a crash. The default templates (Vietnamese) are DEFAULTS,
one per task type; a care rule's own template wins over them.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import NamedTuple

from shopcrm.core import honorifics
from shopcrm.core.names import given_name

PLACEHOLDERS = ("honorific", "Honorific", "name", "given_name", "shop", "last_purchase",
                "last_purchase_date", "points")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_]+)\}")
SHOP_FALLBACK = "Shop"  # {shop} while the shop has not written its name in the settings

DEFAULTS: dict[str, str] = {
    "welcome": "{shop} xin chào {honorific} {given_name}! Cảm ơn {honorific} đã ghé thăm "
               "cửa hàng. Cần tư vấn gì {honorific} cứ nhắn cho shop nhé.",
    "thank_you": "{shop} cảm ơn {honorific} {given_name} đã mua {last_purchase}! "
                 "{Honorific} dùng thấy thế nào, có cần shop hỗ trợ gì không ạ?",
    "feedback_request": "Chào {honorific} {given_name}, {shop} mong được nghe {honorific} "
                        "đánh giá về {last_purchase} (1 đến 5 sao) để phục vụ tốt hơn ạ.",
    "birthday": "Chúc mừng sinh nhật {honorific} {given_name}! {shop} chúc {honorific} "
                "tuổi mới thật nhiều sức khỏe, niềm vui và thành công.",
    "win_back": "Lâu rồi không gặp {honorific} {given_name}, {shop} rất nhớ {honorific}! "
                "Shop có nhiều mẫu mới và ưu đãi riêng dành cho {honorific}, mời "
                "{honorific} ghé xem nhé.",
    "loyalty_offer": "Cảm ơn {honorific} {given_name} đã luôn ủng hộ {shop}! {Honorific} "
                     "đang có {points} điểm; shop gửi {honorific} ưu đãi dành riêng cho "
                     "khách hàng thân thiết.",
    "complaint_follow_up": "{shop} xin lỗi {honorific} {given_name} vì trải nghiệm chưa tốt "
                           "vừa qua. Shop đã ghi nhận và xin liên hệ để khắc phục ngay cho "
                           "{honorific} ạ.",
    "pre_sale_follow_up": "Chào {honorific} {given_name}, {shop} xin gửi {honorific} thông "
                          "tin sản phẩm {honorific} quan tâm. {Honorific} cần tư vấn thêm "
                          "cứ nhắn shop nhé.",
    "custom": "",
}


class Facts(NamedTuple):
    """What a template needs of one customer (from a Customer, or from a listing query)."""

    name: str
    kind: str = "individual"
    gender: str | None = None
    birthday: dt.date | None = None
    honorific: str | None = None  # the shop's override, None: suggest one
    last_purchase_date: dt.date | None = None
    last_purchase_description: str | None = None
    total_spent: int = 0


def facts_of(customer) -> Facts:
    """The Facts of a Customer model instance (two small queries for its purchases)."""
    from shopcrm.db.models import Purchase
    from peewee import fn

    last = (Purchase.select(Purchase.date, Purchase.description)
            .where(Purchase.customer == customer.id)
            .order_by(Purchase.date.desc(), Purchase.id.desc()).first())
    total = (Purchase.select(fn.SUM(Purchase.amount))
             .where(Purchase.customer == customer.id).scalar())
    return Facts(customer.name, customer.kind, customer.gender, customer.birthday,
                 customer.honorific, last.date if last else None,
                 last.description if last else None, int(total or 0))


def points(total_spent: int, vnd_per_point: int) -> int:
    """Whole loyalty points for `total_spent` ₫ (0 when points are off: vnd_per_point <= 0)."""
    return total_spent // vnd_per_point if vnd_per_point > 0 else 0


def values_of(facts: Facts, shop_name: str, vnd_per_point: int = 100_000,
              today: dt.date | None = None,
              names: frozenset[str] | set[str] | None = None) -> dict[str, str]:
    """placeholder -> text for one customer; with `names`, only those placeholders (a
    listing fills thousands of messages: no honorific guess where none is written)."""
    if names is None:
        names = _ALL
    values: dict[str, str] = _Kept()
    if "honorific" in names or "Honorific" in names:
        honorific = honorifics.honorific_of(facts, today)
        values["honorific"] = honorific
        values["Honorific"] = honorific[:1].upper() + honorific[1:]
    if "name" in names:
        values["name"] = facts.name
    if "given_name" in names:
        values["given_name"] = (facts.name if facts.kind == "organisation"
                                else given_name(facts.name))
    if "shop" in names:
        values["shop"] = shop_name or SHOP_FALLBACK
    if "last_purchase" in names or "last_purchase_date" in names:
        day = facts.last_purchase_date
        if isinstance(day, str):  # SQLite rows
            day = dt.date.fromisoformat(day[:10])
        day_text = day.strftime("%d/%m/%Y") if day else ""
        values["last_purchase"] = facts.last_purchase_description or day_text
        values["last_purchase_date"] = day_text
    if "points" in names:
        values["points"] = f"{points(facts.total_spent, vnd_per_point):,}".replace(",", ".")
    return values


_ALL = frozenset(PLACEHOLDERS)


class _Kept(dict):
    """Values for str.format_map: an unknown placeholder stays as written."""

    def __missing__(self, name: str) -> str:
        return "{" + name + "}"


class Compiled(NamedTuple):
    """A template parsed once: `text` as a str.format pattern (literal braces doubled,
    each placeholder one field) and the placeholder names it uses."""

    text: str
    pattern: str
    names: frozenset[str]

    def render(self, values: dict[str, str]) -> str:
        if not self.names:
            return self.text
        return self.pattern.format_map(values if type(values) is _Kept else _Kept(values))


@lru_cache(maxsize=256)
def compiled(template: str | None) -> Compiled:
    """`template` parsed once (render() of many rows with the same template)."""
    pieces = _PLACEHOLDER.split(template or "")
    pattern = "".join(piece.replace("{", "{{").replace("}", "}}") if index % 2 == 0
                      else "{" + piece + "}" for index, piece in enumerate(pieces))
    return Compiled(template or "", pattern, frozenset(pieces[1::2]))


def render(template: str | None, values: dict[str, str]) -> str:
    """`template` with each known placeholder replaced; everything else left as written."""
    if not template:
        return ""
    return compiled(template).render(values)


def fill(template: str | None, customer, shop_name: str | None = None,
         today: dt.date | None = None) -> str:
    """The message for `customer` (a Customer or Facts); the shop name defaults to the
    setting "shop_name". Never raises on a bad template."""
    from shopcrm.core import settings

    facts = customer if isinstance(customer, Facts) else facts_of(customer)
    if shop_name is None:
        shop_name = settings.get("shop_name")
    vnd = settings.get("loyalty_points_vnd")
    return render(template, values_of(facts, shop_name, vnd, today))


def template_for(task_type: str, rule_template: str | None = None) -> str:
    """The rule's own template if it has one, else the default of the task type."""
    return rule_template if rule_template else DEFAULTS.get(task_type, "")
