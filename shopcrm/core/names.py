"""Vietnamese personal names: their parts and the order lists sort them in.

Names are written family-middle-given ("Nguyễn Thị Thu Hà"); lists sort by the
given name, then the middle names, then the family name, with the Vietnamese
alphabet (a ă â b c d đ e ê … ) and the tones as a second level
(ngang, huyền, hỏi, ngã, sắc, nặng), as Vietnamese dictionaries do.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import NamedTuple

from shopcrm.core.text import nfc

ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"

# Combining marks that make another letter (ă â ê ô ơ ư) rather than a tone.
_LETTER_MARKS = {"\u0306": "ă", "\u0302": "^", "\u031b": "+"}
_WITH_MARK = {("a", "ă"): "ă", ("a", "^"): "â", ("e", "^"): "ê", ("o", "^"): "ô",
              ("o", "+"): "ơ", ("u", "+"): "ư"}
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}

# Keys are digit strings so that SQLite (binary) and PostgreSQL (any collation)
# order them the same way: 00 ends the letters, 01 separates words, 10-19 are
# digits, 20 and up are the letters of ALPHABET.
_END, _WORD = "00", "01"


class NameParts(NamedTuple):
    family: str
    middle: str
    given: str


def split_name(full_name: str) -> NameParts:
    """("Nguyễn", "Thị Thu", "Hà") from "Nguyễn Thị Thu Hà"; one word is a given name."""
    words = nfc(full_name).split(" ")
    if len(words) == 1:
        return NameParts("", "", words[0])
    return NameParts(words[0], " ".join(words[1:-1]), words[-1])


def given_name(full_name: str) -> str:
    return split_name(full_name).given


@lru_cache(maxsize=4096)  # names reuse a few hundred words; keys are built per row
def _letters(word: str) -> list[tuple[str, int]]:
    """(letter of ALPHABET or digit, tone 0-5) for each letter of `word`."""
    out: list[tuple[str, int]] = []  # callers never mutate the cached list
    for ch in unicodedata.normalize("NFD", word.casefold()):
        if ch in _LETTER_MARKS and out:
            base, tone = out[-1]
            out[-1] = (_WITH_MARK.get((base, _LETTER_MARKS[ch]), base), tone)
        elif ch in _TONES and out:
            out[-1] = (out[-1][0], _TONES[ch])
        elif ch in ALPHABET or ch.isdecimal():  # not isdigit: "²" is a digit int() refuses
            out.append((ch, 0))
    return out


def _code(letter: str) -> str:
    if letter.isdecimal():
        return str(10 + int(letter))
    return str(20 + ALPHABET.index(letter))


@lru_cache(maxsize=4096)
def _word_key(word: str) -> tuple[str, str]:
    """The letter codes of `word` and its tones, the two halves of its collation key."""
    letters = _letters(word)
    return "".join(_code(ch) for ch, _ in letters), "".join(str(tone) for _, tone in letters)


def collation_key(words: list[str]) -> str:
    """A key whose plain string order is the Vietnamese order of `words`."""
    keys = [_word_key(w) for w in words]
    return _WORD.join([primary for primary, _ in keys]) + _END + "".join([t for _, t in keys])


# Sort keys by (name, organisation): an import's 100,000 rows repeat a few thousand names.
_SORT_CACHE_MAX = 50_000
_SORT_CACHE: dict[tuple[str, bool], str] = {}


def sort_key(full_name: str, organisation: bool = False) -> str:
    """Sort key of a customer name: given name first for people, as written for organisations."""
    cache_key = (full_name, bool(organisation))
    if type(full_name) is str:
        found = _SORT_CACHE.get(cache_key)
        if found is not None:
            return found
    words = [w for w in nfc(full_name).split(" ") if w]
    if not organisation and len(words) > 1:
        words = [words[-1], *words[1:-1], words[0]]
    key = collation_key(words)[:600]
    if type(full_name) is str:
        if len(_SORT_CACHE) >= _SORT_CACHE_MAX:
            _SORT_CACHE.clear()
        _SORT_CACHE[cache_key] = key
    return key
