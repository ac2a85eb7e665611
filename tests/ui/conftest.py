"""GUI tests never block on a real modal dialog: an unexpected one fails the test at once."""

from __future__ import annotations

import gc

import pytest
from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QMessageBox


def _unexpected(*args, **kwargs):
    raise AssertionError(f"a modal dialog was opened unexpectedly: {args[:2]}")


@pytest.fixture(autouse=True)
def no_modal_dialogs(monkeypatch):
    for owner, name in ((QDialog, "exec"), (QMessageBox, "exec"), (QMessageBox, "question"),
                        (QMessageBox, "critical"), (QMessageBox, "warning"),
                        (QFileDialog, "getOpenFileName"), (QFileDialog, "getSaveFileName"),
                        (QInputDialog, "getText")):
        monkeypatch.setattr(owner, name, _unexpected)


@pytest.fixture(autouse=True)
def collect_widgets():
    """Free widgets kept alive by reference cycles (a signal connected to a bound method)
    while the QApplication still exists: freed after it, at exit, they crash Python."""
    yield
    gc.collect()


@pytest.fixture
def window(qtbot, db, db_url):
    """The main window, in English, on an empty database of each kind, settled."""
    from shopcrm.ui.app import make_application
    from shopcrm.ui.main_window import MainWindow

    from shopcrm.ui import jobs

    make_application("en")
    main = MainWindow(db_url)
    main.show()
    # After its first paint the window computes segments and the day's care tasks, and
    # counts the sidebar's lists, in the background: a test starts once that is done.
    qtbot.waitUntil(lambda: main._segments_day is not None and not jobs._running,
                    timeout=10_000)
    yield main
    # Closing asks about unsaved edits; a test that left some answers "discard".
    main.form.ask_unsaved = lambda: QMessageBox.StandardButton.Discard
    main.close()
    main.deleteLater()
