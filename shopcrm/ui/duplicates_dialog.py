"""Customer > Find duplicates: customers entered twice, and merging them into one.

The search (core.duplicates, about a second on 100,000 customers) runs off the GUI
thread; Merge… opens MergeDialog, where the user picks the value kept for each field
that differs and the customer that stays.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel,
    QMessageBox, QPushButton, QScrollArea, QVBoxLayout, QWidget,
)

from shopcrm.core import customers, duplicates, phones
from shopcrm.core.errors import KnownError
from shopcrm.db.models import Customer
from shopcrm.ui import i18n, jobs
from shopcrm.ui.labels import CHOICE_LABELS, field_label, label
from shopcrm.ui.rows_model import RowsModel, rows_view


def reason_text(reason: str) -> str:
    """The translated reason of a group."""
    texts = {
        "phone": QCoreApplication.translate("DuplicatesModel", "Same phone number"),
        "email": QCoreApplication.translate("DuplicatesModel", "Same email"),
        "name_phone": QCoreApplication.translate("DuplicatesModel",
                                                 "Same name, same last 6 phone digits"),
        "name_address": QCoreApplication.translate("DuplicatesModel", "Same name and address"),
    }
    return texts.get(reason, reason)


class DuplicatesModel(RowsModel):
    """One row per group (self.rows): reason, codes, names, phones."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.people: dict[int, tuple] = {}  # id -> (code, name, phone)

    def set_groups(self, groups: list[duplicates.DuplicateGroup]) -> None:
        ids = sorted({cid for group in groups for cid in group.ids})
        self.people = {}
        for start in range(0, len(ids), 500):  # stay under any database's parameter limit
            rows = (Customer.select(Customer.id, Customer.code, Customer.name, Customer.phone)
                    .where(Customer.id.in_(ids[start:start + 500])).tuples())
            self.people.update({cid: (code, name, phone) for cid, code, name, phone in rows})
        self.set_rows(groups)

    def titles(self) -> tuple[str, ...]:
        return (self.tr("Why"), self.tr("Codes"), self.tr("Names"), self.tr("Phones"))

    def cell(self, group, column: int) -> str:
        people = [self.people.get(cid, ("?", "?", None)) for cid in group.ids]
        if column == 0:
            return reason_text(group.reason)
        if column == 1:
            return ", ".join(code for code, _name, _phone in people)
        if column == 2:
            return ", ".join(name for _code, name, _phone in people)
        return ", ".join(phones.format_phone(phone) if phone else "—" for _c, _n, phone in people)


class DuplicatesDialog(QDialog):
    """The groups of likely duplicates; Merge… merges the selected one."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Find duplicates"))
        self.resize(820, 460)
        self.merged_any = False
        self.model = DuplicatesModel(self)
        self.view = rows_view(self.model, single=True)
        self.view.doubleClicked.connect(lambda _index: self.merge_selected())
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.merge_button = QPushButton(self.tr("&Merge…"))
        self.merge_button.clicked.connect(self.merge_selected)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.merge_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.view)
        layout.addWidget(buttons)
        self.searching = False
        self.search()

    def search(self) -> None:
        """Look for duplicates in the background; the list fills when they are found."""
        self.searching = True
        self.merge_button.setEnabled(False)
        self.note.setText(self.tr("Looking for customers entered twice…"))
        jobs.Job(self, "", lambda progress, cancelled: duplicates.find_duplicates(),
                 quiet=True).success(self._found).failure(self._failed).start()

    def _found(self, groups: list[duplicates.DuplicateGroup]) -> None:
        self.searching = False
        self.model.set_groups(groups)
        if groups:
            self.view.selectRow(0)
            self.note.setText(self.tr("{count} group(s) of customers that look like the same "
                                      "person. Select one and press Merge.").format(
                count=len(groups)))
        else:
            self.note.setText(self.tr("No duplicates found."))
        self.merge_button.setEnabled(bool(groups))

    def _failed(self, exc: Exception) -> None:
        self.searching = False
        if isinstance(exc, KnownError):
            self.note.setText(i18n.error_text(exc))
        else:
            self.note.setText(self.tr("The search failed: {reason}").format(reason=str(exc)))

    def selected_group(self) -> duplicates.DuplicateGroup | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.rows[rows[0].row()] if rows else None

    def merge_selected(self) -> bool:
        group = self.selected_group()
        if group is None:
            return False
        dialog = MergeDialog(group.ids, self)
        if not self.ask_merge(dialog):
            return False
        if not self.confirm(dialog.confirm_text()):
            return False
        try:
            duplicates.merge(dialog.keep_id(), dialog.other_ids(), dialog.chosen())
        except KnownError as exc:
            QMessageBox.warning(self, self.tr("Merge customers"), i18n.error_text(exc))
            return False
        self.merged_any = True
        self.search()
        return True

    def ask_merge(self, dialog: MergeDialog) -> bool:
        """Show the merge choices (a method so tests can answer it)."""
        return dialog.exec() == QDialog.DialogCode.Accepted

    def confirm(self, text: str) -> bool:
        """Ask yes/no (a method so tests can answer it)."""
        return QMessageBox.question(self, self.tr("Merge customers"),
                                    text) == QMessageBox.StandardButton.Yes


class MergeDialog(QDialog):
    """Which customer stays, and which value each differing field keeps."""

    def __init__(self, ids, parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Merge customers"))
        self.resize(640, 480)
        self.people = list(Customer.select().where(Customer.id.in_(list(ids)))
                           .order_by(Customer.created_at, Customer.id))
        self.values = {c.id: customers.as_values(c) for c in self.people}
        self.survivor = QComboBox()
        for customer in self.people:  # the oldest first: kept by default
            self.survivor.addItem(f"{customer.code} · {customer.name}", customer.id)
        self.choices: dict[str, QComboBox] = {}
        self.same: dict[str, object] = {}
        body = QWidget()
        form = QFormLayout(body)
        form.addRow(self.tr("Keep the customer"), self.survivor)
        recent_first = sorted(self.people, key=lambda c: (c.updated_at, c.id), reverse=True)
        for field in customers.EDITABLE:
            distinct = {self._key(self.values[c.id][field]) for c in self.people}
            if len(distinct) == 1:
                self.same[field] = self.values[self.people[0].id][field]
                continue
            combo = QComboBox()
            for customer in self.people:
                value = self.values[customer.id][field]
                combo.addItem(self.tr("{value} (from {code})").format(
                    value=self.shown(field, value) or "—", code=customer.code), customer.id)
            default = next((c.id for c in recent_first
                            if self.values[c.id][field] not in (None, "")), recent_first[0].id)
            combo.setCurrentIndex(combo.findData(default))
            form.addRow(field_label(field) if field != "referred_by" else
                        self.tr("Referred by (code)"), combo)
            self.choices[field] = combo
        intro = QLabel(self.tr("Their purchases, notes, feedback, care tasks, consents and tags "
                               "all go to the customer kept; the others are then deleted. "
                               "Choose the value to keep where they differ."))
        intro.setWordWrap(True)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.merge_button = buttons.addButton(self.tr("&Merge"),
                                              QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(scroll, 1)
        layout.addWidget(buttons)

    @staticmethod
    def _key(value):
        return "" if value is None else value

    def shown(self, field: str, value) -> str:
        if value is None or value == "":
            return ""
        if field in CHOICE_LABELS:
            return label(field, value)
        if isinstance(value, bool):
            return self.tr("yes") if value else self.tr("no")
        if field in ("phone", "phone2"):
            return phones.format_phone(value)
        if isinstance(value, dt.date):
            return i18n.date_text(value)
        if field == "referred_by":
            referrer = Customer.get_or_none(Customer.id == value)
            return referrer.code if referrer else ""
        return str(value).replace("\n", " ")

    def keep_id(self) -> int:
        return self.survivor.currentData()

    def other_ids(self) -> list[int]:
        return [c.id for c in self.people if c.id != self.keep_id()]

    def chosen(self) -> dict[str, object]:
        """Every editable field's value for the customer kept."""
        values = dict(self.same)
        for field, combo in self.choices.items():
            values[field] = self.values[combo.currentData()][field]
        return values

    def confirm_text(self) -> str:
        kept = next(c for c in self.people if c.id == self.keep_id())
        codes = ", ".join(c.code for c in self.people if c.id != kept.id)
        return self.tr("Merge {codes} into {code} ({name})? The merged customers are deleted "
                       "after everything of theirs has moved; this cannot be undone.").format(
            codes=codes, code=kept.code, name=kept.name)
