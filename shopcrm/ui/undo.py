"""Edit > Undo / Redo (Ctrl+Z / Ctrl+Shift+Z) of the window's saves and deletes (QUndoStack).

Each command has already been done when it is pushed; undo writes the earlier
state back through core.customers, as a new save (a new version), so other
counters see it like any other change.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtGui import QUndoCommand

from shopcrm.core import customers
from shopcrm.core.errors import KnownError


class _Done(QUndoCommand):
    """A command whose first redo (on push) is skipped: the work is already done."""

    def __init__(self, text: str, after: Callable[[], None], failed: Callable[[KnownError], None]):
        super().__init__(text)
        self._pushed = False
        self._after = after
        self._failed = failed

    def redo(self) -> None:
        if not self._pushed:
            self._pushed = True
            return
        self._run(self.do)

    def undo(self) -> None:
        self._run(self.undo_it)

    def _run(self, work: Callable[[], None]) -> None:
        try:
            work()
        except KnownError as exc:
            self._failed(exc)
        self._after()

    def do(self) -> None:
        raise NotImplementedError

    def undo_it(self) -> None:
        raise NotImplementedError


class EditCustomer(_Done):
    """A save: undo stores the values from before, redo the saved ones again."""

    def __init__(self, text, customer_id: int, before: dict, after: dict, refresh, failed):
        super().__init__(text, refresh, failed)
        self.customer_id, self.before, self.after = customer_id, before, after

    def _store(self, values: dict) -> None:
        current = customers.get(self.customer_id)
        customers.update(self.customer_id, values, current.version)

    def do(self) -> None:
        self._store(self.after)

    def undo_it(self) -> None:
        self._store(self.before)


class TrashCustomers(_Done):
    """A delete (or a new customer, undone by moving it to the trash)."""

    def __init__(self, text, ids: list[int], refresh, failed, created: bool = False):
        super().__init__(text, refresh, failed)
        self.ids, self.created = list(ids), created

    def do(self) -> None:
        (customers.restore if self.created else customers.trash)(self.ids)

    def undo_it(self) -> None:
        (customers.trash if self.created else customers.restore)(self.ids)
