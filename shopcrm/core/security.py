"""The optional app password: a salted scrypt hash in the shop's settings, never the password.

scrypt (hashlib, OpenSSL) is memory-hard, so a stolen database does not give
the password away by brute force on a graphics card.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from shopcrm.core import settings
from shopcrm.core.errors import QT_TRANSLATE_NOOP, ValidationError

# N=2^14, r=8: 16 MB and about 50 ms per check here, slow for a guesser, quick for a user.
SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
MIN_LENGTH = 4


def _hash(password: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=dklen,
                          maxmem=128 * r * n * 2)


def has_password() -> bool:
    return bool(settings.get("app_password"))


def set_password(password: str | None) -> None:
    """Set the password (None or "" removes it)."""
    if not password:
        settings.put("app_password", None)
        return
    if len(password) < MIN_LENGTH:
        raise ValidationError(QT_TRANSLATE_NOOP(
            "errors", "A password needs at least {count} characters."), count=MIN_LENGTH)
    salt = os.urandom(16)
    digest = _hash(password, salt, **SCRYPT)
    settings.put("app_password", {**SCRYPT, "salt": salt.hex(), "hash": digest.hex()})


def check_password(password: str) -> bool:
    """True when `password` is the app password (or no password is set)."""
    stored = settings.get("app_password")
    if not stored:
        return True
    params = {key: stored[key] for key in ("n", "r", "p", "dklen")}
    digest = _hash(password, bytes.fromhex(stored["salt"]), **params)
    return hmac.compare_digest(digest, bytes.fromhex(stored["hash"]))
