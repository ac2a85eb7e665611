"""Long work off the GUI thread, with progress, cancel, success and failure.

Like Anki's operations: a job is a plain function that takes `progress(done,
total)` and `cancelled()`; it runs on the global QThreadPool and never touches
a widget; its result or error comes back to the GUI thread by a signal.
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from shopcrm.db import connection


class _Signals(QObject):
    progress = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(object)


class _Runnable(QRunnable):
    def __init__(self, work: Callable[..., Any], signals: _Signals):
        super().__init__()
        self.work = work
        self.signals = signals
        self.cancel_requested = False

    def run(self) -> None:
        try:
            result = self.work(self.signals.progress.emit, lambda: self.cancel_requested)
        except Exception as exc:  # delivered to failure(); never lost in a thread
            self.signals.failed.emit(exc)
        else:
            self.signals.succeeded.emit(result)
        finally:
            _close_thread_connection()


def _close_thread_connection() -> None:
    """Close this worker thread's own database connection, and only that: connection.close()
    would also let go of the app's writer lock (connection.WriterLock)."""
    database = connection.db.obj
    if database is not None and not database.is_closed():
        database.close()


class Job:
    """Run `work(progress, cancelled)` in the background behind a progress dialog.

    A `quiet` job has no dialog at all: for short work the user did not ask for (the
    periodic backup), which must not pop up a window every half hour.
    """

    def __init__(self, parent: QWidget, title: str, work: Callable[..., Any],
                 quiet: bool = False):
        self.parent = parent
        self.signals = _Signals()
        self.runnable = _Runnable(work, self.signals)
        self.runnable.setAutoDelete(False)
        self.dialog: QProgressDialog | None = None
        self.quiet = quiet
        if not quiet:
            self.dialog = QProgressDialog(title, QCoreApplication.translate("Job", "Cancel"),
                                          0, 0, parent)
            self.dialog.setWindowTitle(title)
            self.dialog.setMinimumDuration(300)
            self.dialog.canceled.connect(self.cancel)
            self.signals.progress.connect(self._progress)
        self._success: Callable[[Any], None] = lambda _result: None
        self._failure: Callable[[Exception], None] = lambda exc: None

    def success(self, callback: Callable[[Any], None]) -> "Job":
        self._success = callback
        return self

    def failure(self, callback: Callable[[Exception], None]) -> "Job":
        self._failure = callback
        return self

    def start(self) -> "Job":
        self.signals.succeeded.connect(self._done_ok)
        self.signals.failed.connect(self._done_failed)
        _running.add(self)
        QThreadPool.globalInstance().start(self.runnable)
        return self

    def cancel(self) -> None:
        self.runnable.cancel_requested = True

    def is_running(self) -> bool:
        """Started, and its result (or error) has not arrived yet."""
        return self in _running

    def _progress(self, done: int, total: int) -> None:
        self.dialog.setMaximum(max(total, 0))
        self.dialog.setValue(min(done, total) if total else 0)

    def _finish(self) -> None:
        if self.dialog is not None:
            self.dialog.reset()
            self.dialog.hide()
        _running.discard(self)

    def _done_ok(self, result: Any) -> None:
        self._finish()
        self._success(result)

    def _done_failed(self, exc: Exception) -> None:
        self._finish()
        self._failure(exc)


_running: set[Job] = set()  # keeps jobs alive until their signals have arrived


def busy() -> bool:
    """Whether work the user asked for (a job with a dialog) is still running."""
    return any(not job.quiet for job in _running)


def wait_for_quiet(timeout_ms: int = 30_000) -> bool:
    """Wait until the background work nobody asked for (counts, the periodic backup)
    has finished its thread, when nothing else may use the database (a restore)."""
    return QThreadPool.globalInstance().waitForDone(timeout_ms)
