"""Shared fixtures: a fresh database per test, and Qt offscreen with its settings in tmp."""

from __future__ import annotations

import os
from contextlib import closing

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from shopcrm.db import connection  # noqa: E402
from shopcrm.db.session import open_database  # noqa: E402

GUI_FIXTURES = {"qtbot", "qapp", "qtmodeltester", "window", "app"}


def pytest_collection_modifyitems(items):
    """Tests that need a QApplication are marked `gui`, so -m 'not gui' runs the core alone."""
    for item in items:
        if GUI_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.gui)


@pytest.fixture(autouse=True)
def _isolated_user_data(tmp_path_factory):
    """The user data folder (and so the default backups folder, where imports, upgrades
    and the window back up) is a fresh temporary one in every test, and in the processes
    a test starts (XDG_DATA_HOME: Linux). A MonkeyPatch of its own: a test's
    monkeypatch.undo() must not send the window's exit backup to the real folder."""
    from shopcrm.db import backup

    folder = tmp_path_factory.mktemp("user-data")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_DATA_HOME", str(folder))
        patch.setattr(connection, "data_dir", lambda: folder / "ShopCRM")
        patch.setattr(backup, "data_dir", lambda: folder / "ShopCRM")
        yield


PG_ENV = "SHOPCRM_TEST_PG"
PG_SKIP = (f"PostgreSQL case skipped: no server configured (set {PG_ENV}; "
           "`eval \"$(tools/pg_test_server.sh start)\"` starts one)")


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    """The URL of a PostgreSQL server where the tests may create databases."""
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(PG_SKIP)
    pytest.importorskip("psycopg2", reason="PostgreSQL case skipped: psycopg2 is not installed "
                        "(pip install -e '.[test,postgresql]')")
    return url


def _pg_admin(url: str):
    import psycopg2

    raw = psycopg2.connect(url)
    raw.autocommit = True
    return raw


@pytest.fixture(scope="session")
def pg_url(pg_admin_url):
    """A database of this test session on the PostgreSQL server, dropped at the end."""
    name = f"shopcrm_test_{os.getpid()}"
    with closing(_pg_admin(pg_admin_url)) as admin, admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name}")
        cursor.execute(f"CREATE DATABASE {name} ENCODING 'UTF8'")
    url = pg_admin_url.rsplit("/", 1)[0] + "/" + name
    yield url
    connection.close()
    with closing(_pg_admin(pg_admin_url)) as admin, admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def empty_pg_database(url: str) -> None:
    """Drop every table, so the next open_database() starts from nothing."""
    with closing(_pg_admin(url)) as raw, raw.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")


@pytest.fixture
def fresh_pg_url(pg_url) -> str:
    """The session's PostgreSQL database, emptied, for tests of PostgreSQL itself."""
    connection.close()
    empty_pg_database(pg_url)
    return pg_url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """An empty database of each kind: every database test runs on SQLite and PostgreSQL."""
    if request.param == "sqlite":
        return connection.sqlite_url(tmp_path / "shop.db")
    return request.getfixturevalue("fresh_pg_url")


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """For tests of SQLite itself (pragmas, file backups, fixture files)."""
    return connection.sqlite_url(tmp_path / "shop.db")


@pytest.fixture
def db(db_url):
    """A new, migrated database bound to the app's proxy."""
    database = open_database(db_url)
    yield database
    connection.close()


@pytest.fixture(scope="session")
def qapp_args():
    return ["shopcrm-tests"]


@pytest.fixture(scope="session", autouse=True)
def _isolated_qsettings(tmp_path_factory):
    """Window geometry and language saved by tests go to a temporary folder."""
    try:
        from PySide6.QtCore import QSettings
    except ImportError:  # the core tests run without Qt installed too
        return
    folder = str(tmp_path_factory.mktemp("qsettings"))
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, folder)
