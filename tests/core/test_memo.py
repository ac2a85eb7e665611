"""Memo (an import's values parsed once each) and the garbage collector's pause."""

from __future__ import annotations

import gc
import threading

import pytest

from shopcrm.core import gc_pause, memo
from shopcrm.core.errors import ValidationError
from shopcrm.core.memo import Memo


class Counted:
    def __init__(self):
        self.calls: list = []

    def __call__(self, value):
        self.calls.append(value)
        if value == "bad":
            raise ValidationError("bad value {value}", value=value)
        return f"<{value}>"


def test_each_distinct_value_is_worked_out_once_per_slot():
    parse, remembered = Counted(), Memo()
    assert remembered.each(0, parse, ["Nam", "Nữ", "Nam", None]) == ["<Nam>", "<Nữ>", "<Nam>", "<None>"]
    assert remembered.get(0, parse, "Nữ") == "<Nữ>"
    assert parse.calls == ["Nam", "Nữ", None]
    remembered.get(1, parse, "Nam")  # another column: its own values
    assert parse.calls[-1] == "Nam" and len(parse.calls) == 4


def test_numbers_keep_their_type_as_keys():
    remembered = Memo()
    assert [remembered.get(0, repr, value) for value in (1, True, 1.0, "1")] == [
        "1", "True", "1.0", "'1'"]


def test_an_error_is_an_outcome_given_again_without_its_traceback():
    parse, remembered = Counted(), Memo()
    first, second = remembered.each(0, parse, ["bad", "bad"])
    assert isinstance(first, ValidationError) and first is second
    assert first.__traceback__ is None and parse.calls == ["bad"]
    with pytest.raises(ZeroDivisionError):  # other exceptions are bugs: they go through
        remembered.get(1, lambda value: 1 / value, 0)


def test_a_slot_remembers_at_most_keep_values(monkeypatch):
    monkeypatch.setattr(memo, "KEEP", 10)
    parse, remembered = Counted(), Memo()
    phones = [f"09{n:08d}" for n in range(30)]
    assert remembered.each(0, parse, phones + phones) == [f"<{p}>" for p in phones + phones]
    assert len(remembered.slots[0]) == 10
    assert len(parse.calls) == 50  # the 10 first remembered, the 20 others worked out twice
    assert remembered.get(0, parse, phones[-1]) == f"<{phones[-1]}>" and len(parse.calls) == 51


def test_the_collector_comes_back_after_the_last_of_overlapping_pauses():
    assert gc.isenabled()
    entered, release = threading.Event(), threading.Event()

    def worker():
        with gc_pause.paused():
            entered.set()
            release.wait(5)

    thread = threading.Thread(target=worker)
    with gc_pause.paused():
        thread.start()
        entered.wait(5)
        with gc_pause.paused():  # nested
            assert not gc.isenabled()
    assert not gc.isenabled()  # the worker's pause still runs
    release.set()
    thread.join()
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off():
    gc.disable()
    try:
        with gc_pause.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
