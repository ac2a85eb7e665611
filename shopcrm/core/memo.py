"""Remembering what a pure function made of a value, for the many rows of an import.

A 100,000-row sheet holds a few hundred genders, groups and provinces and some
20,000 birthdays; the import parses and validates each distinct value once, with
one Memo for the whole sheet. A ValidationError is an outcome like a value: the
same wrong cell gets the same error. Columns whose values are nearly all different
(phones, names, addresses) stop being remembered after a sample: there the memo
would only cost time and, for 100,000 rows, tens of MB.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from shopcrm.core.errors import ValidationError

_MISSING = object()
SAMPLE = 2_000  # lookups of a slot before deciding whether it repeats itself


def outcome(function: Callable, value):
    """function(value), or the ValidationError it raised (without its traceback, which
    would keep the frames alive as long as the outcome is remembered)."""
    try:
        return function(value)
    except ValidationError as exc:
        return exc.with_traceback(None)


class _Slot:
    __slots__ = ("known", "lookups")

    def __init__(self):
        self.known: dict | None = {}  # None once the values proved mostly different
        self.lookups = 0

    def sampled(self) -> None:
        """After SAMPLE lookups: keep remembering only if at most half were new values."""
        if self.lookups >= SAMPLE and len(self.known) > self.lookups // 2:
            self.known = None


class Memo:
    """outcome(function, value), remembered per `slot` (a column, a field).

    The function given for a slot must always be the same one. Keys keep the type
    of a number: True == 1 == 1.0 in a dict, but "True" and "1" are different texts.
    """

    __slots__ = ("slots",)

    def __init__(self):
        self.slots: dict[Hashable, _Slot] = {}

    def _slot(self, slot: Hashable) -> _Slot:
        found = self.slots.get(slot)
        if found is None:
            found = self.slots[slot] = _Slot()
        return found

    def get(self, slot: Hashable, function: Callable, value):
        state = self._slot(slot)
        known = state.known
        if known is None:
            return outcome(function, value)
        key = value if type(value) is str else (type(value), value)
        found = known.get(key, _MISSING)
        if found is _MISSING:
            found = known[key] = outcome(function, value)
        state.lookups += 1
        if state.lookups == SAMPLE:
            state.sampled()
        return found

    def each(self, slot: Hashable, function: Callable, values: list) -> list:
        """[self.get(slot, function, value) for value in values], without a call per value."""
        state = self._slot(slot)
        head = SAMPLE - state.lookups if state.known is not None and state.lookups < SAMPLE else 0
        found_all = [self.get(slot, function, value) for value in values[:head]]
        known = state.known
        if known is None:
            return found_all + [outcome(function, value) for value in values[head:]]
        append = found_all.append
        for value in values[head:]:
            key = value if type(value) is str else (type(value), value)
            found = known.get(key, _MISSING)
            if found is _MISSING:
                found = known[key] = outcome(function, value)
            append(found)
        state.lookups += max(len(values) - head, 0)
        return found_all
