"""Opening the database: the URL, the default file, SQLite's safety settings."""

from __future__ import annotations

import os
import stat

import pytest

from shopcrm.core.errors import DatabaseOpenError
from shopcrm.db import connection
from shopcrm.db.session import open_database


def test_sqlite_runs_in_wal_with_foreign_keys_and_a_busy_timeout(sqlite_url):
    db = open_database(sqlite_url)
    assert db.pragma("journal_mode") == "wal"
    assert db.pragma("foreign_keys") == 1
    assert db.pragma("busy_timeout") == connection.BUSY_TIMEOUT_MS
    connection.close()


def test_default_database_is_created_in_the_user_data_folder(tmp_path, monkeypatch):
    monkeypatch.delenv(connection.ENV_VAR, raising=False)
    monkeypatch.setattr(connection, "data_dir", lambda: tmp_path / "ShopCRM")
    url = connection.resolve_url(None)
    assert url == connection.sqlite_url(tmp_path / "ShopCRM" / "shopcrm.db")
    open_database(None)
    connection.close()
    path = tmp_path / "ShopCRM" / "shopcrm.db"
    assert path.exists()
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_environment_variable_and_option(tmp_path, monkeypatch):
    monkeypatch.setenv(connection.ENV_VAR, "sqlite:///from-env.db")
    assert connection.resolve_url(None) == "sqlite:///from-env.db"
    assert connection.resolve_url("sqlite:///option.db") == "sqlite:///option.db"


def test_sqlite_path_of_urls(tmp_path):
    assert connection.sqlite_path(connection.sqlite_url(tmp_path / "a.db")) == tmp_path / "a.db"
    assert connection.sqlite_path("sqlite:///:memory:") is None
    assert connection.sqlite_path("postgresql://u:p@host/db") is None


def test_password_is_hidden_in_messages():
    assert connection.redact("postgresql://shop:s3cret@host/crm") == "postgresql://shop:***@host/crm"


def test_unknown_scheme_is_a_clear_error():
    with pytest.raises(DatabaseOpenError) as caught:
        connection.connect("oracle://x/y")
    assert "oracle://x/y" in str(caught.value)


def test_unreachable_server_is_a_clear_error():
    pytest.importorskip("psycopg2")
    with pytest.raises(DatabaseOpenError) as caught:
        connection.connect("postgresql://shop:pw@127.0.0.1:1/crm?connect_timeout=2")
    assert "***" in str(caught.value) and "pw@" not in str(caught.value)


def test_a_dropped_server_connection_is_reopened_outside_transactions(fresh_pg_url):
    """A shared server restarts or the Wi-Fi blinks: the next query reconnects by itself."""
    from shopcrm.core import customers

    pg_url = fresh_pg_url
    database = open_database(pg_url)
    customers.create({"name": "Nguyễn Thị Hà"})
    own_pid = database.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
    killer = connection.connect_url(pg_url)
    killer.execute_sql("SELECT pg_terminate_backend(%s)", (own_pid,))
    killer.close()
    assert customers.count() == 1  # reconnected, nothing lost
    assert database.execute_sql("SELECT pg_backend_pid()").fetchone()[0] != own_pid
    connection.close()
