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
