"""Shared fixtures: a fresh database per test, and Qt offscreen with its settings in tmp."""

from __future__ import annotations

import os

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


@pytest.fixture
def db_url(tmp_path) -> str:
    return connection.sqlite_url(tmp_path / "shop.db")


@pytest.fixture
def db(db_url):
    """A new, migrated SQLite database bound to the app's proxy."""
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
