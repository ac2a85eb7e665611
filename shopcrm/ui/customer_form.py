"""The customer detail pane: every stored field, validated next to the field.

The form never writes by itself: Save hands the raw values to
core.customers, which validates and stores them or names the bad fields.
"""

from __future__ import annotations

import datetime as dt
import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
    QMessageBox, QPlainTextEdit, QPushButton, QScrollArea, QStackedWidget, QVBoxLayout, QWidget,
)

from shopcrm.core import (
    customers, dates, duplicates, feedback, filters, history, honorifics, phones, privacy,
    segments,
)
from shopcrm.core.errors import ConflictError, KnownError
from shopcrm.db.connection import CONNECTION_ERRORS
from shopcrm.db.models import Customer
from shopcrm.ui import i18n
from shopcrm.ui.badges import badge_html
from shopcrm.ui.labels import CHOICE_LABELS, field_label, label
from shopcrm.ui.tags_edit import TagsEdit

ERROR_STYLE = "color: #b3261e;"


class CustomerForm(QWidget):
    """View and edit one customer; `saved` carries the id after a successful save."""

    saved = Signal(int)
    # (id, values before or None for a new customer, values after): what Undo puts back.
    changed = Signal(int, object, object)
    # The user chose to open the other customer that has the same phone or email.
    open_customer = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._customer: Customer | None = None
        self._creating = False
        self._dirty = False
        self._loading = False
        self.inputs: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        self._cells: dict[str, QWidget] = {}

        self.stack = QStackedWidget()
        self.empty = QLabel(self.tr("Select a customer in the list, or add a new one."))
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self._build_editor())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self._set_dirty(False)

    # -- building ------------------------------------------------------------
    def _build_editor(self) -> QWidget:
        self.title = QLabel()
        self.title.setStyleSheet("font-size: 16pt; font-weight: 600;")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.figures = QLabel()
        self.figures.setWordWrap(True)
        self.figures.setTextFormat(Qt.TextFormat.RichText)  # the coloured badges
        self.form_error = QLabel()
        self.form_error.setStyleSheet(ERROR_STYLE)
        self.form_error.setWordWrap(True)
        self.form_error.hide()

        body = QWidget()
        # One form for every section, so all labels line up in one column.
        self._form = QFormLayout(body)
        self._form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._section(self.tr("Contact"), [
            ("name", field_label("name"), self._line(self.tr("e.g. Nguyễn Thị Thu Hà"))),
            ("kind", field_label("kind"), self._combo("kind")),
            ("org_type", field_label("org_type"), self._combo("org_type", blank=True)),
            ("tax_code", field_label("tax_code"), self._line()),
            ("phone", field_label("phone"), self._line(self.tr("e.g. 0912 345 678"))),
            ("phone2", field_label("phone2"), self._line()),
            ("email", field_label("email"), self._line(self.tr("name@example.com"))),
            ("zalo", field_label("zalo"), self._line()),
            ("facebook", field_label("facebook"), self._line()),
        ])
        self._section(self.tr("Person"), [
            ("birthday", field_label("birthday"), self._line(self.tr("dd/mm/yyyy"))),
            ("gender", field_label("gender"), self._combo("gender")),
            ("honorific", self.tr("Honorific in messages"), self._honorific_combo()),
            ("income", field_label("income"), self._combo("income", blank=True)),
        ])
        self._section(self.tr("Address"), [
            ("address", field_label("address"), self._line()),
            ("ward", field_label("ward"), self._line()),
            ("district", field_label("district"), self._line()),
            ("province", field_label("province"), self._line()),
            ("area", field_label("area"), self._combo("area", blank=True)),
        ])
        self._section(self.tr("Relationship"), [
            ("relation", field_label("relation"), self._combo("relation")),
            ("roles", self.tr("Role"), self._roles()),
            ("source", field_label("source"), self._combo("source", blank=True)),
            ("referred_by", self.tr("Referred by (code)"), self._line(self.tr("e.g. KH000012"))),
            ("tags", field_label("tags"), self._tags()),
            ("notes", field_label("notes"), self._notes()),
        ])
        self._consent_section()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)

        self.save_button = QPushButton(self.tr("&Save"))
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.revert_button = QPushButton(self.tr("&Revert"))
        self.revert_button.clicked.connect(self.revert)
        buttons = QHBoxLayout()
        buttons.addWidget(self.form_error, 1)
        buttons.addStretch(0)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)

        editor = QWidget()
        layout = QVBoxLayout(editor)
        layout.addWidget(self.title)
        layout.addWidget(self.figures)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)
        self.inputs["kind"].currentIndexChanged.connect(self._show_organisation_fields)
        for field in ("kind", "gender"):
            self.inputs[field].currentIndexChanged.connect(self._show_suggested_honorific)
        self.inputs["birthday"].textEdited.connect(self._show_suggested_honorific)
        return editor

    def _section(self, title: str, rows: list[tuple[str, str, QWidget]]) -> None:
        heading = QLabel(title)
        heading.setStyleSheet("font-weight: 600; margin-top: 8px;")
        self._form.addRow(heading)
        for field, text, widget in rows:
            error = QLabel()
            error.setStyleSheet(ERROR_STYLE)
            error.setWordWrap(True)
            error.hide()
            cell = QWidget()
            column = QVBoxLayout(cell)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(2)
            column.addWidget(widget)
            column.addWidget(error)
            self._form.addRow(text, cell)
            self.errors[field] = error
            self._cells[field] = cell
            if field != "roles":
                self.inputs[field] = widget

    def _consent_section(self) -> None:
        """Consent per purpose (Law 91/2025/QH15); recorded at once, with its date, on a click."""
        heading = QLabel(self.tr("Consent to personal data"))
        heading.setStyleSheet("font-weight: 600; margin-top: 8px;")
        self._form.addRow(heading)
        self.consents: dict[str, QCheckBox] = {}
        self._consents_editable = True
        texts = {"keep_data": self.tr("Keep their data"),
                 "care_messages": self.tr("Care messages"),  # thanks, greetings, follow-ups
                 "marketing": self.tr("Offers and marketing")}
        for purpose, text in texts.items():
            check = QCheckBox(text)
            check.toggled.connect(lambda given, purpose=purpose: self._consent_changed(purpose,
                                                                                      given))
            self._form.addRow("", check)
            self.consents[purpose] = check

    def _show_consents(self) -> None:
        given = privacy.active_consents(self._customer.id) if self._customer else {}
        for purpose, check in self.consents.items():
            check.blockSignals(True)
            check.setChecked(purpose in given)
            check.blockSignals(False)
            check.setEnabled(self._customer is not None and self._consents_editable)
            consent = given.get(purpose)
            check.setToolTip(self.tr("Given on {date}").format(date=i18n.date_text(
                consent.given_at)) if consent else self.tr("Not given: silence is not consent."))

    def set_consents_editable(self, editable: bool) -> None:
        """Off for a read-only database: a click would record a consent."""
        self._consents_editable = editable
        self._show_consents()

    def _consent_changed(self, purpose: str, given: bool) -> None:
        if self._customer is not None:
            privacy.set_consent(self._customer.id, purpose, given, channel="store")
            self._show_consents()

    def _line(self, placeholder: str = "") -> QLineEdit:
        edit = QLineEdit()
        edit.setPlaceholderText(placeholder)
        edit.textEdited.connect(self._changed)
        return edit

    def _combo(self, field: str, blank: bool = False) -> QComboBox:
        combo = QComboBox()
        if blank:
            combo.addItem("—", None)
        for key in CHOICE_LABELS[field]:
            combo.addItem(label(field, key), key)
        combo.currentIndexChanged.connect(self._changed)
        return combo

    def _honorific_combo(self) -> QComboBox:
        combo = QComboBox()
        combo.addItem("", None)  # "(suggested: …)", filled in by _show_suggested_honorific
        for word in customers.HONORIFICS:
            combo.addItem(word, word)
        combo.currentIndexChanged.connect(self._changed)
        return combo

    def _roles(self) -> QWidget:
        box = QWidget()
        row = QVBoxLayout(box)  # stacked: side by side they are wider than the pane in Vietnamese
        row.setContentsMargins(0, 0, 0, 0)
        for field in customers.BOOL_FIELDS:
            check = QCheckBox(field_label(field))
            check.toggled.connect(self._changed)
            row.addWidget(check)
            self.inputs[field] = check
        return box

    def _tags(self) -> TagsEdit:
        edit = TagsEdit()
        edit.textChanged.connect(self._changed)
        return edit

    def _notes(self) -> QPlainTextEdit:
        notes = QPlainTextEdit()
        notes.setFixedHeight(80)
        notes.textChanged.connect(self._changed)
        return notes

    # -- state ---------------------------------------------------------------
    @property
    def customer_id(self) -> int | None:
        return self._customer.id if self._customer else None

    @property
    def loaded_version(self) -> int | None:
        return self._customer.version if self._customer else None

    def is_dirty(self) -> bool:
        return self._dirty

    def _changed(self, *_args) -> None:
        if not self._loading:
            self._set_dirty(True)

    def _set_dirty(self, dirty: bool) -> None:
        self._dirty = dirty
        self.save_button.setEnabled(dirty)
        self.revert_button.setEnabled(dirty)

    def clear(self) -> None:
        self._customer, self._creating = None, False
        self._set_dirty(False)
        self.stack.setCurrentIndex(0)

    def load(self, customer_id: int) -> None:
        """Show a stored customer, dropping unsaved edits (call maybe_leave() first)."""
        self._customer = customers.get(customer_id)
        self._creating = False
        self._fill(customers.as_values(self._customer))
        self._show_header()
        self._show_consents()

    def new_customer(self) -> None:
        """An empty form; Save creates the customer."""
        self._customer, self._creating = None, True
        self._fill({"kind": "individual", "gender": "unknown", "relation": "external",
                    "role_buyer": True})
        self._show_consents()
        self.title.setText(self.tr("New customer"))
        self.figures.setText(self.tr("Fill in what you know; only the name is required."))
        self._set_dirty(True)
        self.inputs["name"].setFocus()

    def _fill(self, values: dict) -> None:
        self.inputs["tags"].set_known_tags(filters.tags())
        self._loading = True
        try:
            for field, widget in self.inputs.items():
                self._put(widget, field, values.get(field))
            self._show_errors({})
        finally:
            self._loading = False
        self._show_organisation_fields()
        self._show_suggested_honorific()
        self._set_dirty(False)
        self.stack.setCurrentIndex(1)

    def _put(self, widget: QWidget, field: str, value) -> None:
        if isinstance(widget, QComboBox):
            widget.setCurrentIndex(max(0, widget.findData(value)))
        elif isinstance(widget, QCheckBox):
            widget.setChecked(bool(value))
        elif isinstance(widget, QPlainTextEdit):
            widget.setPlainText(value or "")
        else:
            widget.setText(self._text_of(field, value))

    @staticmethod
    def _text_of(field: str, value) -> str:
        if value is None:
            return ""
        if field in ("phone", "phone2"):
            return phones.format_phone(value)
        if field == "birthday":
            return value.strftime("%d/%m/%Y")
        if field == "referred_by":
            return Customer.get_by_id(value).code
        if field == "tags":
            return ", ".join(value)
        return str(value)

    def raw_values(self) -> dict:
        """What the user typed, as core.customers.clean() expects it."""
        values = {}
        for field, widget in self.inputs.items():
            if isinstance(widget, QComboBox):
                values[field] = widget.currentData()
            elif isinstance(widget, QCheckBox):
                values[field] = widget.isChecked()
            elif isinstance(widget, QPlainTextEdit):
                values[field] = widget.toPlainText()
            else:
                values[field] = widget.text()
        return values

    def _show_suggested_honorific(self, *_args) -> None:
        """The automatic choice says what it would be: "(suggested: chị)"."""
        try:
            birthday = dates.parse_birthday(self.inputs["birthday"].text())
        except KnownError:
            birthday = None
        word = honorifics.suggest(self.inputs["kind"].currentData(),
                                  self.inputs["gender"].currentData(), birthday)
        self.inputs["honorific"].setItemText(0, self.tr("(suggested: {word})").format(word=word))

    def _show_organisation_fields(self) -> None:
        organisation = self.inputs["kind"].currentData() == "organisation"
        for field in customers.ORGANISATION_ONLY:
            self._form.setRowVisible(self._cells[field], organisation)

    def _show_header(self) -> None:
        customer = self._customer
        self.title.setText(f"{customer.name}  ·  {customer.code}")
        summary = history.purchase_summary(customer.id)
        if summary.count:
            lines = [self.tr("{count} purchases · total {total} · average {average} · "
                             "last on {last} ({days} days ago)").format(
                count=summary.count, total=i18n.money(summary.total),
                average=i18n.money(summary.average), last=i18n.date_text(summary.last),
                days=summary.days_since_last(dt.date.today()))]
        else:
            lines = [self.tr("No purchases yet.")]
        lines = [html.escape(line) for line in lines]
        badges = self._badges(customer)
        if badges:
            lines.append(badges)
        referred = customers.referrals_of(customer.id)
        if referred:
            names = ", ".join(name for _code, name in referred[:5])
            more = "…" if len(referred) > 5 else ""
            lines.append(html.escape(self.tr("Referred {count} customers: {names}{more}").format(
                count=len(referred), names=names, more=more)))
        self.figures.setText("<br>".join(lines))

    def refresh_header(self) -> None:
        """Read the figures and badges again (a purchase or feedback changed them)."""
        if self._customer is not None and not self._creating:
            # Only the derived values: the version stays the one the edits started from.
            fresh = Customer.get_or_none(Customer.id == self._customer.id)
            if fresh is None:  # merged away at another counter: the next sync clears it
                return
            self._customer.funnel_segment = fresh.funnel_segment
            self._customer.value_tier = fresh.value_tier
            self._show_header()

    def _badges(self, customer: Customer) -> str:
        """Segment and tier as the list's coloured badges, the loyalty marker and
        satisfaction, in one line of rich text."""
        parts = [badge_html("segment", customer.funnel_segment),
                 badge_html("value", customer.value_tier)]
        if segments.is_loyal_marker(customer):
            parts.append(html.escape(self.tr("★ loyal customer: special policies apply")))
        satisfaction = feedback.satisfaction_of(customer.id)
        if satisfaction.average is not None:
            parts.append(html.escape(self.tr("rated {average:.1f}/5 (last {last}/5)").format(
                average=satisfaction.average, last=satisfaction.last)))
        if satisfaction.open_complaints:
            parts.append(html.escape(self.tr("{count} open complaint(s)").format(
                count=satisfaction.open_complaints)))
        return " · ".join(part for part in parts if part)

    # -- saving --------------------------------------------------------------
    def save(self) -> bool:
        """Validate and store; on errors, show them beside the fields and keep the edits."""
        if not self._check_duplicate():
            return False
        try:
            if self._creating:
                customer = customers.create(self.raw_values())
            else:
                customer = customers.update(self._customer.id, self.raw_values(),
                                            self._customer.version)
        except customers.FormErrors as exc:
            self._show_errors(exc.errors)
            return False
        except ConflictError as exc:
            return self._resolve_conflict(exc)
        except KnownError as exc:
            return self._show_form_error(i18n.error_text(exc))
        except CONNECTION_ERRORS as exc:
            return self._show_form_error(self.tr(
                "Cannot reach the database ({reason}). Your changes are kept here: press Save "
                "again when it is back.").format(reason=str(exc).strip()))
        self._announce(customer)
        return True

    def _announce(self, customer: Customer) -> None:
        """Show what was stored, and tell the window (and its undo stack) what changed."""
        before = None if self._creating else customers.as_values(self._customer)
        self.load(customer.id)
        self.saved.emit(customer.id)
        self.changed.emit(customer.id, before, customers.as_values(self._customer))

    def _check_duplicate(self) -> bool:
        """Before storing a phone or email another customer has: ask. True: go on saving."""
        try:
            raw = self.raw_values()
            customers.clean(raw)  # bad fields are shown first, without asking
            contacts = duplicates.contact_values(raw)
            if not self._creating:  # only what this edit brings in
                contacts = {field: value for field, value in contacts.items()
                            if value != getattr(self._customer, field)}
            others = duplicates.same_contact(contacts, exclude_id=self.customer_id)
            people = list(Customer.select(Customer.name, Customer.code)
                          .where(Customer.id.in_(others[:5])).order_by(Customer.id))
        except (KnownError, *CONNECTION_ERRORS):
            return True  # the save itself names the bad fields, or the lost connection
        if not others:
            return True
        names = [f"{person.name} ({person.code})" for person in people]
        answer = self.ask_duplicate(names)
        if answer == "open":
            self._set_dirty(False)  # the user chose the customer already there
            self.open_customer.emit(others[0])
            return False
        return answer == "save"

    def ask_duplicate(self, names: list[str]) -> str:
        """'save', 'open' or 'cancel' (a method so tests can answer it)."""
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Maybe already there"), self.tr(
            "Another customer has this phone number or email:\n{names}\n\nSave anyway, or open "
            "the customer already there (what you typed here is not saved)?").format(
            names="\n".join(names)), parent=self)
        save = box.addButton(self.tr("Save &anyway"), QMessageBox.ButtonRole.AcceptRole)
        open_other = box.addButton(self.tr("&Open the other customer"),
                                   QMessageBox.ButtonRole.ActionRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return {save: "save", open_other: "open"}.get(box.clickedButton(), "cancel")

    def _show_form_error(self, text: str) -> bool:
        self.form_error.setText(text)
        self.form_error.show()
        return False

    def _show_errors(self, errors: dict[str, KnownError]) -> None:
        for field, label_widget in self.errors.items():
            error = errors.get(field)
            label_widget.setText(i18n.error_text(error) if error else "")
            label_widget.setVisible(error is not None)
        self.form_error.setText(self.tr("Please correct the fields marked in red.") if errors else "")
        self.form_error.setVisible(bool(errors))
        if errors:
            first = next(iter(errors))
            widget = self.inputs.get(first)
            if widget is not None:
                widget.setFocus()

    def _resolve_conflict(self, exc: ConflictError) -> bool:
        choice = self.ask_conflict(self.conflict_text(exc))
        if choice == "overwrite":
            customer = customers.update(self._customer.id, self.raw_values(),
                                        self._customer.version, force=True)
            self._announce(customer)
            return True
        if choice == "reload":
            self.load(self._customer.id)
        return False

    def conflict_text(self, exc: ConflictError) -> str:
        """The conflict message and what the other counter changed, field by field."""
        if exc.current.deleted_at is not None:
            return self.tr("{name} was moved to the trash at another counter.").format(
                name=exc.current.name)
        lines = [i18n.error_text(exc), "", self.tr("Changed at the other counter:")]
        for field, (before, after) in customers.changes_between(self._customer,
                                                                exc.current).items():
            lines.append(self.tr("• {field}: {before} → {after}").format(
                field=field_label(field), before=self._shown(field, before) or "—",
                after=self._shown(field, after) or "—"))
        return "\n".join(lines)

    def _shown(self, field: str, value) -> str:
        if field in CHOICE_LABELS:
            return label(field, value)
        if isinstance(value, bool):
            return self.tr("yes") if value else self.tr("no")
        return self._text_of(field, value)

    def ask_conflict(self, text: str) -> str:
        """'reload', 'overwrite' or 'cancel' (a method so tests can answer it)."""
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Changed at another counter"), text,
                          parent=self)
        reload = box.addButton(self.tr("Reload"), QMessageBox.ButtonRole.AcceptRole)
        overwrite = box.addButton(self.tr("Overwrite"), QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return {reload: "reload", overwrite: "overwrite"}.get(box.clickedButton(), "cancel")

    def revert(self) -> None:
        if self._creating:
            self.clear()
        elif self._customer is not None:
            self.load(self._customer.id)

    def maybe_leave(self) -> bool:
        """True when it is safe to show something else: saved, discarded, or nothing to lose."""
        if not self._dirty:
            return True
        answer = self.ask_unsaved()
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        if answer == QMessageBox.StandardButton.Discard:
            self._set_dirty(False)
            return True
        return False

    def ask_unsaved(self) -> QMessageBox.StandardButton:
        """Save, Discard or Cancel (a method so tests can answer it)."""
        return QMessageBox.question(
            self, self.tr("Unsaved changes"),
            self.tr("This customer has changes that are not saved yet. Save them?"),
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
