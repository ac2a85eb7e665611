"""The column mapping a shop chose, remembered for the next file with the same headers.

A shop exports from the same POS every month: once the user has fixed the mapping
of that export, the next file with the same headers opens with it. Mappings are
shop-wide (every counter sees them), kept in the Setting table under the key
"import_mapping:<sha1 of the normalised headers>" as JSON {"headers": [...],
"mapping": {"<column index>": "<field>"}}. Headers are normalised as the automatic
mapping compares them (mapping.header_key: no tones, no case, no punctuation), so
"SĐT" and "Sđt" are the same file layout; the column order matters.

core.settings only stores declared settings, so the rows are written here
directly, with the same upsert (SQLite and PostgreSQL both understand it).
"""

from __future__ import annotations

import hashlib
import json

from shopcrm.db.connection import db
from shopcrm.db.models import Setting
from shopcrm.io.mapping import TARGET_FIELDS, header_key

KEY_PREFIX = "import_mapping:"
PURCHASE_KEY_PREFIX = "import_mapping_purchases:"


def _key(headers: list[str], kind: str) -> str:
    normalised = "\x1f".join(header_key(header) for header in headers)
    prefix = PURCHASE_KEY_PREFIX if kind == "purchases" else KEY_PREFIX
    return prefix + hashlib.sha1(normalised.encode("utf-8")).hexdigest()


def remember_mapping(headers: list[str], mapping: dict[int, str],
                     kind: str = "customers") -> None:
    """Store `mapping` (column index -> field; ignored columns left out) for these headers."""
    value = json.dumps({"headers": list(headers),
                        "mapping": {str(index): field for index, field in sorted(mapping.items())}},
                       ensure_ascii=False)
    key = _key(headers, kind)
    with db.atomic():
        (Setting.insert(key=key, value=value)
         .on_conflict(conflict_target=[Setting.key], update={Setting.value: value}).execute())


def remembered_mapping(headers: list[str], kind: str = "customers",
                       fields: tuple[str, ...] | None = None) -> dict[int, str] | None:
    """The mapping remembered for these headers, or None (then use mapping.auto_map).

    Entries that no longer fit (a column index beyond the headers, a field that does
    not exist any more) are dropped rather than failing the import.
    """
    row = Setting.get_or_none(Setting.key == _key(headers, kind))
    if row is None:
        return None
    try:
        stored = json.loads(row.value)["mapping"]
    except (ValueError, KeyError, TypeError):
        return None
    allowed = fields if fields is not None else _fields_of(kind)
    mapping = {}
    for index, field in stored.items():
        if str(index).isdigit() and int(index) < len(headers) and field in allowed:
            mapping[int(index)] = field
    return mapping


def forget_mapping(headers: list[str], kind: str = "customers") -> None:
    Setting.delete().where(Setting.key == _key(headers, kind)).execute()


def _fields_of(kind: str) -> tuple[str, ...]:
    if kind == "purchases":
        from shopcrm.io.purchases import TARGET_FIELDS as purchase_fields

        return purchase_fields
    return TARGET_FIELDS
