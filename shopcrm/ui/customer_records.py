"""A customer's records in the detail pane: purchases, contacts (interactions) and feedback.

Each tab is a thin skin over core.purchases / core.interactions / core.feedback. Every
question goes through a method (ask_*, confirm, show_error) so tests can answer it
without a modal dialog; a dialog checks its values with the core before closing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QDateTime, QLocale, Qt, QTimeZone, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from shopcrm.core import feedback, history, interactions, purchases, segments
from shopcrm.core.errors import KnownError
from shopcrm.db.connection import db
from shopcrm.db.models import (
    CHANNEL_CHOICES,
    FEEDBACK_CHOICES,
    INTERACTION_CHOICES,
    Customer,
)
from shopcrm.ui import i18n
from shopcrm.ui.labels import label
from shopcrm.ui.rows_model import RowsModel, rows_view

QUICK_KINDS = ("call", "visit", "zalo", "sms", "email", "note")
# An offer is recorded with its own button (loyal customers only), not picked as a kind.
LOGGED_KINDS = tuple(kind for kind in INTERACTION_CHOICES if kind != "offer")
ERROR_STYLE = "color: #b3261e;"
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


# -- small helpers shared with the complaints dialog ----------------------------------

def local_time_text(at: dt.datetime | None) -> str:
    """A stored (naive UTC) timestamp in the computer's time, dd/MM/yyyy HH:mm."""
    if at is None:
        return ""
    return QDateTime(at.date(), at.time(), QTimeZone.utc()).toLocalTime().toString(
        "dd/MM/yyyy HH:mm")


def stars(rating: int | None) -> str:
    return "★" * rating + "☆" * (5 - rating) if rating else ""


class _DryRun(Exception):
    """Raised inside a transaction to roll back a write that was only a check."""


def dry_run(write: Callable[[], object]) -> None:
    """Run a core write and roll it back: the core's own checks (including those that need
    the database, like "a complaint needs a comment"), and nothing stored. Dialogs use it
    so the user corrects an error in the form; the real write happens after they close."""
    try:
        with db.atomic():
            write()
            raise _DryRun
    except _DryRun:
        pass


class FormDialog(QDialog):
    """A small form with Save/Cancel; Save runs `check(values)` and stays open on an error."""

    def __init__(self, title: str, check: Callable[[dict], None] | None, parent=None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.check = check
        self.form = QFormLayout()
        self.error = QLabel()
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def values(self) -> dict:
        raise NotImplementedError

    def accept(self) -> None:
        try:
            if self.check is not None:
                self.check(self.values())
        except KnownError as exc:
            self.error.setText(i18n.error_text(exc))
            self.error.show()
            return
        super().accept()

    def ask(self) -> dict | None:
        return self.values() if self.exec() == QDialog.DialogCode.Accepted else None


def choice_combo(field: str, keys: tuple[str, ...], current: str | None) -> QComboBox:
    combo = QComboBox()
    for key in keys:
        combo.addItem(label(field, key), key)
    combo.setCurrentIndex(max(0, combo.findData(current)))
    return combo


class PurchaseDialog(FormDialog):
    def __init__(self, values: dict, check=None, parent=None):
        super().__init__(self.tr("Purchase"), check, parent)
        self.date = QLineEdit(i18n.date_text(values.get("date") or dt.date.today()))
        self.date.setPlaceholderText(self.tr("dd/mm/yyyy"))
        self.description = QLineEdit(values.get("description") or "")
        amount = values.get("amount")
        self.amount = QLineEdit(i18n.number(amount) if amount else "")
        self.amount.setPlaceholderText(self.tr("e.g. 1.250.000"))
        self.channel = choice_combo("channel", CHANNEL_CHOICES, values.get("channel") or "store")
        self.note = QPlainTextEdit(values.get("note") or "")
        self.note.setTabChangesFocus(True)
        self.note.setFixedHeight(60)
        self.form.addRow(self.tr("&Date:"), self.date)
        self.form.addRow(self.tr("&Items:"), self.description)
        self.form.addRow(self.tr("&Amount (₫):"), self.amount)
        self.form.addRow(self.tr("&Channel:"), self.channel)
        self.form.addRow(self.tr("&Note:"), self.note)
        self.description.setFocus()

    def values(self) -> dict:
        return {"date": self.date.text(), "description": self.description.text(),
                "amount": self.amount.text(), "channel": self.channel.currentData(),
                "note": self.note.toPlainText()}


class InteractionDialog(FormDialog):
    """The summary has the focus: a quick-add is the kind's button, typing, and Save."""

    def __init__(self, values: dict, check=None, parent=None, kinds=LOGGED_KINDS):
        super().__init__(self.tr("Contact"), check, parent)
        self.kind = choice_combo("interaction_kind", kinds, values.get("kind"))
        self.summary = QPlainTextEdit(values.get("summary") or "")
        self.summary.setTabChangesFocus(True)
        self.staff = QLineEdit(values.get("staff") or "")
        self.form.addRow(self.tr("&Kind:"), self.kind)
        self.form.addRow(self.tr("&What was said or done:"), self.summary)
        self.form.addRow(self.tr("&Staff:"), self.staff)
        self.summary.setFocus()

    def values(self) -> dict:
        return {"kind": self.kind.currentData(), "summary": self.summary.toPlainText(),
                "staff": self.staff.text()}


class FeedbackDialog(FormDialog):
    def __init__(self, values: dict, check=None, parent=None):
        super().__init__(self.tr("Feedback"), check, parent)
        self.kind = choice_combo("feedback_kind", FEEDBACK_CHOICES, values.get("kind"))
        self.rating = QSpinBox()
        self.rating.setRange(0, 5)
        self.rating.setSpecialValueText(self.tr("no rating"))  # shown for 0
        self.rating.setSuffix(self.tr(" ★"))
        self.rating.setValue(values.get("rating") or 0)
        self.comment = QPlainTextEdit(values.get("comment") or "")
        self.comment.setTabChangesFocus(True)
        self.handler = QLineEdit(values.get("handler") or "")
        self.form.addRow(self.tr("&Kind:"), self.kind)
        self.form.addRow(self.tr("&Rating:"), self.rating)
        self.form.addRow(self.tr("&Comment:"), self.comment)
        self.form.addRow(self.tr("&Handled by:"), self.handler)
        self.comment.setFocus()

    def values(self) -> dict:
        return {"kind": self.kind.currentData(), "rating": self.rating.value(),
                "comment": self.comment.toPlainText(), "handler": self.handler.text()}


def ask_handler(parent: QWidget, current: str | None) -> str | None:
    """Who takes a complaint in hand, or None when cancelled (shared with the complaints
    dialog, hence one translation context)."""
    text, ok = QInputDialog.getText(
        parent, QCoreApplication.translate("complaints", "Take in hand"),
        QCoreApplication.translate("complaints", "Who handles this complaint?"),
        text=current or "")
    return text if ok else None


def ask_resolution(parent: QWidget) -> str | None:
    """How a complaint was resolved, or None when cancelled."""
    text, ok = QInputDialog.getMultiLineText(
        parent, QCoreApplication.translate("complaints", "Resolve"),
        QCoreApplication.translate("complaints", "How was the complaint resolved?"))
    return text if ok else None


# -- the tables -------------------------------------------------------------------------

class PurchaseModel(RowsModel):
    def titles(self):
        return (self.tr("Date"), self.tr("Items"), self.tr("Amount"), self.tr("Channel"),
                self.tr("Note"))

    def cell(self, row, column):
        return (i18n.date_text(row.date), row.description or "", i18n.money(row.amount),
                label("channel", row.channel), (row.note or "").replace("\n", " "))[column]

    def extra(self, row, column, role):
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 2:
            return RIGHT
        if role == Qt.ItemDataRole.ToolTipRole and column == 4:
            return row.note
        return None


class InteractionModel(RowsModel):
    def titles(self):
        return (self.tr("When"), self.tr("Kind"), self.tr("Summary"), self.tr("Staff"))

    def cell(self, row, column):
        return (local_time_text(row.at), label("interaction_kind", row.kind),
                row.summary.replace("\n", " "), row.staff or "")[column]

    def extra(self, row, column, role):
        return row.summary if role == Qt.ItemDataRole.ToolTipRole and column == 2 else None


class FeedbackModel(RowsModel):
    def titles(self):
        return (self.tr("Date"), self.tr("Kind"), self.tr("Rating"), self.tr("Comment"),
                self.tr("Status"), self.tr("Handled by"))

    def cell(self, row, column):
        return (i18n.date_text(row.at), label("feedback_kind", row.kind), stars(row.rating),
                (row.comment or "").replace("\n", " "), label("complaint_status", row.status),
                row.handler or "")[column]

    def extra(self, row, column, role):
        if role != Qt.ItemDataRole.ToolTipRole:
            return None
        if column == 4 and row.resolution:  # the whole ticket history, kept by the core
            return self.tr("Resolution:\n{text}").format(text=row.resolution)
        return row.comment if column == 3 else None


# -- the tabs ---------------------------------------------------------------------------

class RecordsTab(QWidget):
    """A summary line, a table (or a sentence when empty) and a row of buttons."""

    changed = Signal(int)

    def __init__(self, model_class: type[RowsModel], parent=None):
        super().__init__(parent)
        self.customer_id: int | None = None
        self.editable = True
        self.model = model_class(self)
        self.view = rows_view(self.model, single=True)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self.enable_buttons())
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.empty_note = QLabel()  # the subclass says what to do first
        self.empty_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_note.setWordWrap(True)
        self.empty_note.setStyleSheet("color: palette(mid);")
        self.buttons = QHBoxLayout()
        self.write_buttons: dict[QPushButton, Callable[[object | None], bool]] = {}
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty_note, 1)
        layout.addLayout(self.buttons)

    def add_button(self, text: str, slot, allowed=lambda row: True,
                   line: QHBoxLayout | None = None) -> QPushButton:
        """A button that writes (in `line`, default the bottom one): enabled when editable,
        a customer is shown and `allowed(selected row or None)` holds."""
        button = QPushButton(text)
        button.setMinimumWidth(24)  # a narrow pane squeezes the row instead of the window
        button.clicked.connect(lambda: slot())
        (line or self.buttons).addWidget(button)
        self.write_buttons[button] = allowed
        return button

    def load(self, customer_id: int) -> list:
        raise NotImplementedError

    def update_summary(self) -> None:
        """The line above the table (a subclass fills it)."""

    def show_customer(self, customer_id: int | None) -> None:
        self.customer_id = customer_id
        self.refresh()

    def set_editable(self, editable: bool) -> None:
        self.editable = editable
        self.enable_buttons()

    def refresh(self, select_id: int | None = None) -> None:
        """Read the rows again, keeping (or moving to) a selected row."""
        selected = self.selected()
        select_id = select_id if select_id is not None else getattr(selected, "id", None)
        self.model.set_rows(self.load(self.customer_id) if self.customer_id is not None else [])
        for number, row in enumerate(self.model.rows):
            if row.id == select_id:
                self.view.selectRow(number)
        empty = not self.model.rows
        self.view.setVisible(not empty)
        self.empty_note.setVisible(empty and self.customer_id is not None)
        self.summary.setVisible(self.customer_id is not None)
        if self.customer_id is not None:
            self.update_summary()
        self.enable_buttons()

    def selected(self):
        rows = self.view.selectionModel().selectedRows()
        return self.model.rows[rows[0].row()] if rows else None

    def enable_buttons(self) -> None:
        row = self.selected()
        for button, allowed in self.write_buttons.items():
            button.setEnabled(self.editable and self.customer_id is not None and allowed(row))

    def write(self, action: Callable[[], object]) -> bool:
        """Run a core write; on a known error tell the user. Refresh and signal either way
        (another counter may have changed the record meanwhile)."""
        customer_id = self.customer_id
        try:
            result = action()
        except KnownError as exc:
            self.show_error(i18n.error_text(exc))
            self.refresh()
            return False
        self.refresh(select_id=getattr(result, "id", None))
        self.changed.emit(customer_id)
        return True

    def delete_selected(self, question: str, delete: Callable[[int], None]) -> bool:
        row = self.selected()
        if row is None or not self.confirm(question):
            return False
        return self.write(lambda: delete(row.id))

    def confirm(self, text: str) -> bool:
        """Ask yes/no (a method so tests can answer it)."""
        return QMessageBox.question(self, self.tr("Confirm"), text) == \
            QMessageBox.StandardButton.Yes

    def show_error(self, text: str) -> None:
        QMessageBox.warning(self, self.tr("Not saved"), text)


def _selected(row) -> bool:
    return row is not None


class PurchasesTab(RecordsTab):
    def __init__(self, parent=None):
        super().__init__(PurchaseModel, parent)
        self.empty_note.setText(self.tr("No purchases yet: add the first with Add…"))
        self.add_button(self.tr("&Add…"), self.add_purchase)
        self.edit_button = self.add_button(self.tr("&Edit…"), self.edit_purchase, _selected)
        self.delete_button = self.add_button(self.tr("Delete"), self.delete_purchase, _selected)
        self.buttons.insertStretch(0, 1)
        self.view.doubleClicked.connect(lambda *_: self.edit_button.isEnabled()
                                        and self.edit_purchase())
        self.today = dt.date.today  # a function, so a long-open window keeps counting days

    def load(self, customer_id):
        return purchases.purchases_of(customer_id)

    def update_summary(self) -> None:
        figures = history.purchase_summary(self.customer_id)
        if not figures.count:
            self.summary.setText(self.tr("No purchases."))
            return
        days = figures.days_since_last(self.today())
        self.summary.setText(self.tr(
            "{count} purchase(s), {total} in all, {average} on average. First {first}, "
            "last {last} ({days} day(s) ago).").format(
            count=i18n.number(figures.count), total=i18n.money(figures.total),
            average=i18n.money(figures.average), first=i18n.date_text(figures.first),
            last=i18n.date_text(figures.last), days=i18n.number(days)))

    def add_purchase(self) -> bool:
        customer_id = self.customer_id
        values = self.ask_purchase({}, lambda v: dry_run(
            lambda: purchases.add_purchase(customer_id, **v)))
        return values is not None and self.write(
            lambda: purchases.add_purchase(customer_id, **values))

    def edit_purchase(self) -> bool:
        row = self.selected()
        if row is None:
            return False
        current = {name: getattr(row, name) for name in purchases.FIELDS}
        values = self.ask_purchase(current, lambda v: dry_run(
            lambda: purchases.update_purchase(row.id, **v)))
        return values is not None and self.write(
            lambda: purchases.update_purchase(row.id, **values))

    def delete_purchase(self) -> bool:
        row = self.selected()
        return row is not None and self.delete_selected(
            self.tr("Delete the purchase of {date} ({amount})?").format(
                date=i18n.date_text(row.date), amount=i18n.money(row.amount)),
            purchases.delete_purchase)

    def ask_purchase(self, values: dict, check) -> dict | None:
        """The purchase's fields as typed, or None when cancelled (tests answer it)."""
        return PurchaseDialog(values, check, self).ask()


class ContactsTab(RecordsTab):
    def __init__(self, parent=None):
        super().__init__(InteractionModel, parent)
        self.empty_note.setText(self.tr("No contacts yet: log a call, visit or message "
                                        "with the buttons above."))
        self.loyal = False
        # The quick-add row sits above the table, on its own: a detail pane is narrow.
        quick = QHBoxLayout()
        quick.addWidget(QLabel(self.tr("Log:")))
        self.kind_buttons = {}
        for kind in QUICK_KINDS:
            button = self.add_button(label("interaction_kind", kind),
                                     lambda kind=kind: self.quick_add(kind), line=quick)
            button.setToolTip(self.tr("Log a contact of this kind"))
            self.kind_buttons[kind] = button
        quick.addStretch(1)
        self.layout().insertLayout(1, quick)
        self.offer_button = self.add_button(self.tr("Record &offer…"), self.add_offer,
                                            lambda row: self.loyal)
        self.offer_button.setToolTip(self.tr("Record the special offer given to a loyal or "
                                             "high-value customer"))
        self.buttons.addStretch(1)
        self.edit_button = self.add_button(self.tr("&Edit…"), self.edit_interaction, _selected)
        self.delete_button = self.add_button(self.tr("Delete"), self.delete_interaction,
                                             _selected)

    def load(self, customer_id):
        return interactions.timeline_of(customer_id)

    def update_summary(self) -> None:
        customer = Customer.get_or_none(Customer.id == self.customer_id)
        self.loyal = customer is not None and segments.is_loyal_marker(customer)
        if not self.loyal:
            self.summary.setText(self.tr("{count} contact(s).").format(
                count=i18n.number(len(self.model.rows))))
            return
        offers = [row for row in self.model.rows if row.kind == "offer"]
        last = self.tr("last offer on {date}").format(date=i18n.date_text(offers[0].at)) \
            if offers else self.tr("no offer recorded yet")
        self.summary.setText(self.tr("★ Loyal or high-value customer: {last}.").format(last=last))

    def _add(self, kind: str, kinds=LOGGED_KINDS, record=None) -> bool:
        customer_id = self.customer_id
        record = record or (lambda v: interactions.add_interaction(customer_id, **v))
        values = self.ask_interaction({"kind": kind}, lambda v: dry_run(lambda: record(v)),
                                      kinds)
        return values is not None and self.write(lambda: record(values))

    def quick_add(self, kind: str) -> bool:
        return self._add(kind)

    def add_offer(self) -> bool:
        customer_id = self.customer_id
        return self._add("offer", ("offer",), lambda v: interactions.record_offer(
            customer_id, v["summary"], staff=v["staff"]))

    def edit_interaction(self) -> bool:
        row = self.selected()
        if row is None:
            return False
        values = self.ask_interaction(
            {"kind": row.kind, "summary": row.summary, "staff": row.staff},
            lambda v: dry_run(lambda: interactions.update_interaction(row.id, **v)),
            ("offer",) if row.kind == "offer" else LOGGED_KINDS)
        return values is not None and self.write(
            lambda: interactions.update_interaction(row.id, **values))

    def delete_interaction(self) -> bool:
        row = self.selected()
        return row is not None and self.delete_selected(
            self.tr("Delete this contact of {date}?").format(date=local_time_text(row.at)),
            interactions.delete_interaction)

    def ask_interaction(self, values: dict, check, kinds=LOGGED_KINDS) -> dict | None:
        """kind, summary and staff as typed, or None when cancelled (tests answer it)."""
        return InteractionDialog(values, check, self, kinds).ask()


def _complaint_in(*statuses: str):
    return lambda row: row is not None and row.kind == "complaint" and row.status in statuses


class FeedbackTab(RecordsTab):
    def __init__(self, parent=None):
        super().__init__(FeedbackModel, parent)
        self.empty_note.setText(self.tr("No feedback yet: record a rating, a suggestion or a "
                                        "complaint with Add…"))
        self.add_button(self.tr("&Add…"), self.add_feedback)
        self.edit_button = self.add_button(self.tr("&Edit…"), self.edit_feedback, _selected)
        self.buttons.addStretch(1)
        self.start_button = self.add_button(self.tr("&Take in hand…"), self.start,
                                            _complaint_in("open"))
        self.resolve_button = self.add_button(self.tr("&Resolve…"), self.resolve,
                                              _complaint_in(*feedback.UNRESOLVED))
        self.reopen_button = self.add_button(self.tr("Re&open"), self.reopen,
                                             _complaint_in("resolved"))
        self.delete_button = self.add_button(self.tr("Delete"), self.delete_feedback, _selected)

    def load(self, customer_id):
        return feedback.feedback_of(customer_id)

    def update_summary(self) -> None:
        mood = feedback.satisfaction_of(self.customer_id)
        average = self.tr("no rating yet") if mood.average is None else \
            self.tr("{average} ★ on average").format(
                average=QLocale().toString(mood.average, "f", 1))
        last = self.tr(", last {stars}").format(stars=stars(mood.last)) if mood.last else ""
        self.summary.setText(self.tr("Satisfaction: {average}{last}; {count} open "
                                     "complaint(s).").format(average=average, last=last,
                                                             count=mood.open_complaints))

    def add_feedback(self) -> bool:
        customer_id = self.customer_id
        values = self.ask_feedback({"kind": "praise"}, lambda v: dry_run(
            lambda: feedback.add_feedback(customer_id, **v)))
        return values is not None and self.write(
            lambda: feedback.add_feedback(customer_id, **values))

    def edit_feedback(self) -> bool:
        row = self.selected()
        if row is None:
            return False
        before = {"kind": row.kind, "rating": row.rating, "comment": row.comment,
                  "handler": row.handler}
        values = self.ask_feedback(before, lambda v: dry_run(
            lambda: feedback.update_feedback(row.id, **v)))
        return values is not None and self.write(
            lambda: feedback.update_feedback(row.id, **values))

    def start(self) -> bool:
        row = self.selected()
        handler = self.ask_handler(row.handler) if row is not None else None
        return handler is not None and self.write(lambda: feedback.start(row.id, handler))

    def resolve(self) -> bool:
        row = self.selected()
        text = self.ask_resolution() if row is not None else None
        return text is not None and self.write(lambda: feedback.resolve(row.id, text))

    def reopen(self) -> bool:
        row = self.selected()
        return row is not None and self.write(lambda: feedback.reopen(row.id))

    def delete_feedback(self) -> bool:
        return self.delete_selected(self.tr("Delete this feedback?"), feedback.delete_feedback)

    def ask_feedback(self, values: dict, check) -> dict | None:
        """kind, rating (0: none), comment and handler, or None (tests answer it)."""
        return FeedbackDialog(values, check, self).ask()

    def ask_handler(self, current: str | None) -> str | None:
        return ask_handler(self, current)

    def ask_resolution(self) -> str | None:
        return ask_resolution(self)


class CustomerRecords(QTabWidget):
    """The three tabs; `changed(customer_id)` after any write (the window refreshes the
    list, the segment badges and the sidebar counts)."""

    changed = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.purchases = PurchasesTab(self)
        self.contacts = ContactsTab(self)
        self.feedback = FeedbackTab(self)
        self.addTab(self.purchases, self.tr("&Purchases"))
        self.addTab(self.contacts, self.tr("C&ontacts"))
        self.addTab(self.feedback, self.tr("&Feedback"))
        for tab in self.tabs():
            tab.changed.connect(self._tab_changed)
        self.show_customer(None)

    def tabs(self) -> tuple[RecordsTab, ...]:
        return (self.purchases, self.contacts, self.feedback)

    def show_customer(self, customer_id: int | None) -> None:
        for tab in self.tabs():
            tab.show_customer(customer_id)

    def refresh(self) -> None:
        """Read everything again (after an import, a restore, or a purchase edited elsewhere)."""
        for tab in self.tabs():
            tab.refresh()

    def set_editable(self, editable: bool) -> None:
        for tab in self.tabs():
            tab.set_editable(editable)

    def _tab_changed(self, customer_id: int) -> None:
        # A purchase changes the segment, and so whether an offer may be recorded.
        self.contacts.refresh()
        self.changed.emit(customer_id)
