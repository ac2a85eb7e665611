"""Shop-wide settings, shared by every counter: declared once, stored as JSON.

Per-computer preferences (window layout, language) live in QSettings instead.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from shopcrm.core.errors import QT_TRANSLATE_NOOP
from shopcrm.db.connection import db
from shopcrm.db.models import Setting


class Declared(NamedTuple):
    default: Any
    title: str


SETTINGS: dict[str, Declared] = {
    "shop_name": Declared("", QT_TRANSLATE_NOOP("settings", "Shop name")),
    # {"n", "r", "p", "dklen", "salt", "hash"} of core.security; None: no password.
    "app_password": Declared(None, QT_TRANSLATE_NOOP("settings", "App password")),
    "lock_after_minutes": Declared(10, QT_TRANSLATE_NOOP("settings", "Lock after minutes idle")),
    # [{"name": ..., "filter": {...}}] of core.filters: the sidebar's saved smart lists.
    "smart_lists": Declared([], QT_TRANSLATE_NOOP("settings", "Smart lists")),
    # The thresholds of core.segments (each documented in segments.RULES): a customer's
    # funnel segment and value tier are derived from purchases with them.
    "segment_rules": Declared({
        "lapsed_after_days": 180, "loyal_purchases": 3, "loyal_months": 12,
        "big_purchase_vnd": 5_000_000, "first_big_days": 90,
        "high_value_percent": 20, "low_value_percent": 30,
    }, QT_TRANSLATE_NOOP("settings", "Segment rules")),
    # {"on": "YYYY-MM-DD", "rules": {...}}: the day and rules of the last full recompute.
    "segments_computed": Declared(None, QT_TRANSLATE_NOOP("settings", "Segments computed")),
    # core.care_rules: tasks due more than this many days ago are not created any more
    # (after the app was closed, or on first use): catch-up without a flood.
    "care_catch_up_days": Declared(14, QT_TRANSLATE_NOOP("settings", "Care catch-up days")),
    # {"on": "YYYY-MM-DD", "stamp": [...]}: core.care_rules' last complete generate() and
    # what it read (counts, last ids, rules): the same day, unchanged, it has nothing to do.
    "care_generated": Declared(None, QT_TRANSLATE_NOOP("settings", "Care tasks generated")),
    # core.templates' {points}: one loyalty point per this many ₫ spent (0: no points).
    "loyalty_points_vnd": Declared(100_000, QT_TRANSLATE_NOOP("settings",
                                                              "VND per loyalty point")),
}


def get(key: str) -> Any:
    """The stored value of a declared setting, or its default."""
    declared = SETTINGS[key]
    row = Setting.get_or_none(Setting.key == key)
    return declared.default if row is None else json.loads(row.value)


def put(key: str, value: Any) -> None:
    if key not in SETTINGS:
        raise KeyError(key)
    text = json.dumps(value, ensure_ascii=False)
    with db.atomic():  # an upsert both SQLite and PostgreSQL understand
        (Setting.insert(key=key, value=text)
         .on_conflict(conflict_target=[Setting.key], update={Setting.value: text}).execute())
