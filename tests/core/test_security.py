"""The app password is stored as a salted scrypt hash, never in clear."""

from __future__ import annotations

import pytest

from shopcrm.core import security
from shopcrm.core.errors import ValidationError
from shopcrm.db.models import Setting


def test_no_password_by_default(db):
    assert not security.has_password()
    assert security.check_password("anything")


def test_password_is_hashed_with_salt(db):
    security.set_password("mật khẩu 123")
    stored = Setting.get(Setting.key == "app_password").value
    assert "mật khẩu" not in stored and "mật khẩu 123".encode().hex() not in stored
    assert security.check_password("mật khẩu 123")
    assert not security.check_password("mat khau 123")
    first_hash = stored
    security.set_password("mật khẩu 123")
    assert Setting.get(Setting.key == "app_password").value != first_hash  # new salt


def test_password_can_be_removed_and_must_not_be_trivial(db):
    with pytest.raises(ValidationError):
        security.set_password("123")
    security.set_password("bánh mì")
    security.set_password(None)
    assert not security.has_password()
