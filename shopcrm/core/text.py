"""Vietnamese text: normal form for storage and the tone-less key for search.

The search key follows DOMAIN.md: NFC -> NFD -> drop combining marks ->
đ/Đ -> d -> casefold. Unicode decomposition alone leaves đ untouched, and
SQLite's lower()/LIKE fold ASCII only, so the key is computed here and stored.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# Control characters (NUL breaks PostgreSQL, others garble lists and printouts), the
# bidirectional overrides that can disguise a name and U+FEFF (a byte order mark left
# inside the text when files are joined: invisible, but "\ufeffAn" != "An" in searches
# and duplicate checks); tab and newline are kept in notes.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff]")
_D_MAP = str.maketrans({"đ": "d", "Đ": "d"})

# nfc() and fold() remember their results for strings: an import or a list folds the
# same names, streets and provinces over and over (100,000 rows hold a few thousand
# distinct values). Bounded: emptied when full. Only exact str keys (5 == 5.0 == True).
_CACHE_MAX = 50_000
_NFC_CACHE: dict[str, str] = {}
_FOLD_CACHE: dict[str, str] = {}


def nfc(text: str | None) -> str:
    """Text as stored: NFC (files from macOS or Windows-1258 arrive decomposed), trimmed."""
    if not text:
        return ""
    if type(text) is not str:
        return _nfc(str(text))
    found = _NFC_CACHE.get(text)
    if found is None:
        if len(_NFC_CACHE) >= _CACHE_MAX:
            _NFC_CACHE.clear()
        found = _NFC_CACHE[text] = _nfc(text)
    return found


def _nfc(text: str) -> str:
    # Removed before normalising: "a\ufeff\u0301" must compose to "á" once the BOM is gone.
    clean = unicodedata.normalize("NFC", _CONTROLS.sub("", text))
    return _SPACES.sub(" ", clean).strip()


def fold(text: str | None) -> str:
    """Lower-case text without tones or diacritics: "Nguyễn Đức" -> "nguyen duc"."""
    if not text:
        return ""
    if type(text) is not str:
        return _fold(str(text))
    found = _FOLD_CACHE.get(text)
    if found is None:
        if len(_FOLD_CACHE) >= _CACHE_MAX:
            _FOLD_CACHE.clear()
        found = _FOLD_CACHE[text] = _fold(text)
    return found


def _fold(text: str) -> str:
    if text.isascii():  # nothing to decompose; ASCII casefold() is lower()
        return _SPACES.sub(" ", text.lower()).strip()
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", bare.translate(_D_MAP).casefold()).strip()


def multiline(text: str | None) -> str | None:
    """Notes as stored: NFC, line breaks kept, trailing spaces and blank ends trimmed."""
    if not text:
        return None
    text = str(text).replace("\r\n", "\n").replace("\r", "\n")
    lines = unicodedata.normalize("NFC", _CONTROLS.sub("", text)).split("\n")
    value = "\n".join(line.rstrip() for line in lines).strip("\n")
    return value or None


def blank_to_none(text: str | None) -> str | None:
    """NFC text, or None when nothing is left (optional fields store NULL, not '')."""
    value = nfc(text)
    return value or None
