"""Remembering what a pure function made of a value, for the many rows of an import.

A 100,000-row sheet holds a few hundred genders, groups and provinces and some
20,000 birthdays; the import parses and validates each distinct value once, with
one Memo for the whole sheet. A ValidationError is an outcome like a value: the
same wrong cell gets the same error. A slot remembers at most KEEP values: in a
column whose values are all different (phones, names, addresses) the rest are
worked out each time, so the memo stays a few MB.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from shopcrm.core.errors import ValidationError

_MISSING = object()
KEEP = 25_000  # outcomes remembered per slot


def outcome(function: Callable, value):
    """function(value), or the ValidationError it raised (without its traceback, which
    would keep the frames alive as long as the outcome is remembered)."""
    try:
        return function(value)
    except ValidationError as exc:
        return exc.with_traceback(None)


class Memo:
    """outcome(function, value), remembered per `slot` (a column, a field).

    The function given for a slot must always be the same one. Keys keep the type
    of a number: True == 1 == 1.0 in a dict, but "True" and "1" are different texts.
    """

    __slots__ = ("slots",)

    def __init__(self):
        self.slots: dict[Hashable, dict] = {}

    def get(self, slot: Hashable, function: Callable, value):
        known = self._known(slot)
        key = value if type(value) is str else (type(value), value)
        found = known.get(key, _MISSING)
        return _work_out(known, key, function, value) if found is _MISSING else found

    def each(self, slot: Hashable, function: Callable, values: list) -> list:
        """[self.get(slot, function, value) for value in values], without a call per value."""
        known = self._known(slot)
        found_all = []
        append = found_all.append
        for value in values:
            key = value if type(value) is str else (type(value), value)
            found = known.get(key, _MISSING)
            append(_work_out(known, key, function, value) if found is _MISSING else found)
        return found_all

    def _known(self, slot: Hashable) -> dict:
        known = self.slots.get(slot)
        if known is None:
            known = self.slots[slot] = {}
        return known


def _work_out(known: dict, key, function: Callable, value):
    """outcome(function, value), remembered under `key` while the slot has room."""
    found = outcome(function, value)
    if len(known) < KEEP:
        known[key] = found
    return found
