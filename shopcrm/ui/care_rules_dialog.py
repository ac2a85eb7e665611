"""Tools > Care rules: which care tasks the shop gets, when, and with which message.

The rules are listed with a checkbox each (enabled); the selected one is edited below
(name, trigger, task type, offset in days, template with its placeholders and a
preview filled for a sample customer). "Add rule" makes a custom one. Save writes
every change in one transaction and emits `changed`; nothing is generated here (the
window runs the rules: existing tasks keep their dates).
"""

from __future__ import annotations

import datetime as dt
from html import escape

from PySide6.QtCore import QCoreApplication, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit,
    QPlainTextEdit, QPushButton, QSpinBox, QVBoxLayout,
)

from shopcrm.core import care_rules, templates
from shopcrm.core.errors import QT_TRANSLATE_NOOP
from shopcrm.db.connection import db
from shopcrm.db.models import RULE_TRIGGER_CHOICES, TASK_TYPE_CHOICES, CareRule
from shopcrm.ui.labels import label
from shopcrm.ui.rows_model import RowsModel, rows_view

ERROR_STYLE = "color: #b3261e;"
FIELDS = ("name", "trigger", "task_type", "offset_days", "enabled", "template")

TRIGGERS = {
    "after_purchase": (QT_TRANSLATE_NOOP("care_rules", "After a purchase"),
                       QT_TRANSLATE_NOOP("care_rules", "days after the purchase")),
    "birthday": (QT_TRANSLATE_NOOP("care_rules", "Birthday"),
                 QT_TRANSLATE_NOOP("care_rules", "days after the birthday (negative: before)")),
    "became_lapsed": (QT_TRANSLATE_NOOP("care_rules", "Customer became lapsed"),
                      QT_TRANSLATE_NOOP("care_rules", "days after becoming lapsed")),
    "became_loyal": (QT_TRANSLATE_NOOP("care_rules", "Customer became loyal"),
                     QT_TRANSLATE_NOOP("care_rules", "days after becoming loyal")),
    "complaint": (QT_TRANSLATE_NOOP("care_rules", "Complaint"),
                  QT_TRANSLATE_NOOP("care_rules", "days after the complaint (1: within 24 hours)")),
    "new_customer": (QT_TRANSLATE_NOOP("care_rules", "New customer"),
                     QT_TRANSLATE_NOOP("care_rules", "days after the customer was added")),
}

PLACEHOLDER_HELP = {
    "honorific": QT_TRANSLATE_NOOP("care_rules", "how to address them: chị, anh, quý khách"),
    "Honorific": QT_TRANSLATE_NOOP("care_rules", "the same, capitalised"),
    "name": QT_TRANSLATE_NOOP("care_rules", "full name"),
    "given_name": QT_TRANSLATE_NOOP("care_rules", "given name"),
    "shop": QT_TRANSLATE_NOOP("care_rules", "the shop's name"),
    "last_purchase": QT_TRANSLATE_NOOP("care_rules", "what they bought last"),
    "last_purchase_date": QT_TRANSLATE_NOOP("care_rules", "date of the last purchase"),
    "points": QT_TRANSLATE_NOOP("care_rules", "loyalty points"),
}


def _tr(text: str) -> str:
    return QCoreApplication.translate("care_rules", text)


def trigger_label(trigger: str) -> str:
    return _tr(TRIGGERS[trigger][0]) if trigger in TRIGGERS else trigger


def sample_customer(today: dt.date | None = None) -> templates.Facts:
    """Whom the preview is filled for."""
    today = today or dt.date.today()
    return templates.Facts("Nguyễn Thị Thu Hà", "individual", "female", dt.date(1990, 5, 12),
                           None, today - dt.timedelta(days=2), "áo dài lụa", 3_500_000)


class RulesModel(RowsModel):
    """The rules being edited (dicts of FIELDS plus "id": None for a new one)."""

    def titles(self) -> tuple[str, ...]:
        return (self.tr("On"), self.tr("Name"), self.tr("Trigger"), self.tr("Task"),
                self.tr("Days"), self.tr("Message"))

    def cell(self, rule: dict, column: int) -> str:
        if column == 0:
            return ""
        if column == 1:
            return rule["name"]
        if column == 2:
            return trigger_label(rule["trigger"])
        if column == 3:
            return label("task_type", rule["task_type"])
        if column == 4:
            return str(rule["offset_days"])
        return " ".join((rule["template"] or "").split())[:80]

    def extra(self, rule: dict, column: int, role: Qt.ItemDataRole):
        if role == Qt.ItemDataRole.CheckStateRole and column == 0:
            return Qt.CheckState.Checked if rule["enabled"] else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 4:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: QModelIndex):
        flags = super().flags(index)
        return flags | Qt.ItemFlag.ItemIsUserCheckable if index.column() == 0 else flags

    def setData(self, index: QModelIndex, value, role=Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.CheckStateRole or index.column() != 0:
            return False
        checked = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value, 2, True)
        self.rows[index.row()]["enabled"] = checked
        self.dataChanged.emit(index, index)
        return True

    def row_changed(self, row: int) -> None:
        self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))


class CareRulesDialog(QDialog):
    """Edit the care rules; Save stores them and emits `changed`."""

    changed = Signal()

    def __init__(self, parent=None, today: dt.date | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Care rules"))
        self.resize(820, 640)
        self.today = today or dt.date.today()
        care_rules.ensure_default_rules()
        self.original = {rule.id: self._as_dict(rule)
                         for rule in CareRule.select().order_by(CareRule.id)}
        self.model = RulesModel(self)
        self.model.set_rows([dict(rule) for rule in self.original.values()])
        self.model.dataChanged.connect(self._model_changed)
        self.view = rows_view(self.model, single=True)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._load_selected())

        self.name = QLineEdit()
        self.trigger = QComboBox()
        for key in RULE_TRIGGER_CHOICES:
            self.trigger.addItem(trigger_label(key), key)
        self.task_type = QComboBox()
        for key in TASK_TYPE_CHOICES:
            self.task_type.addItem(label("task_type", key), key)
        self.offset = QSpinBox()
        self.offset.setRange(-365, 365)
        self.offset_help = QLabel()
        self.enabled = QCheckBox(self.tr("Create these tasks"))
        self.template = QPlainTextEdit()
        self.template.setMaximumHeight(100)
        self.default_template = QPushButton(self.tr("Use the default message"))
        self.default_template.clicked.connect(self._use_default_template)
        self.placeholders = QLabel(self._placeholders_html())
        self.placeholders.setWordWrap(True)
        self.placeholders.setToolTip(self.tr("Click a placeholder to insert it"))
        self.placeholders.linkActivated.connect(self._insert_placeholder)
        self.preview = QLabel()
        self.preview.setWordWrap(True)
        self.preview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.preview.setStyleSheet("background: #f4f6f8; padding: 6px; border-radius: 4px;")
        self.error = QLabel()
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()

        form = QFormLayout()
        form.addRow(self.tr("Name"), self.name)
        form.addRow(self.tr("When"), self.trigger)
        form.addRow(self.tr("Task"), self.task_type)
        form.addRow(self.tr("Days"), self.offset)
        form.addRow("", self.offset_help)
        form.addRow("", self.enabled)
        form.addRow(self.tr("Message"), self.template)
        form.addRow("", self.default_template)
        form.addRow(self.tr("Placeholders"), self.placeholders)
        form.addRow(self.tr("Preview"), self.preview)
        self.editor_widgets = (self.name, self.trigger, self.task_type, self.offset,
                               self.enabled, self.template, self.default_template)

        self.add_button = QPushButton(self.tr("&Add rule"))
        self.add_button.clicked.connect(self.add_rule)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.addButton(self.add_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        intro = QLabel(self.tr("Each rule creates a care task for every customer it applies "
                               "to. Changes apply to tasks created from now on."))
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.view, 2)
        layout.addLayout(form, 3)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

        self.name.textEdited.connect(lambda text: self._set("name", text))
        self.trigger.currentIndexChanged.connect(
            lambda _i: self._set("trigger", self.trigger.currentData()))
        self.task_type.currentIndexChanged.connect(
            lambda _i: self._set("task_type", self.task_type.currentData()))
        self.offset.valueChanged.connect(lambda value: self._set("offset_days", value))
        self.enabled.toggled.connect(lambda on: self._set("enabled", on))
        self.template.textChanged.connect(
            lambda: self._set("template", self.template.toPlainText()))
        self._loading = False
        if self.model.rows:
            self.view.selectRow(0)
        self._load_selected()

    @staticmethod
    def _as_dict(rule: CareRule) -> dict:
        return {"id": rule.id, **{field: getattr(rule, field) for field in FIELDS}}

    # -- the editor ----------------------------------------------------------------------
    def current_row(self) -> int | None:
        rows = self.view.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def select_rule(self, row: int) -> None:
        self.view.selectRow(row)

    def _load_selected(self) -> None:
        row = self.current_row()
        for widget in self.editor_widgets:
            widget.setEnabled(row is not None)
        if row is None:
            self.preview.setText("")
            return
        rule = self.model.rows[row]
        self._loading = True
        try:
            self.name.setText(rule["name"])
            self.trigger.setCurrentIndex(max(0, self.trigger.findData(rule["trigger"])))
            self.task_type.setCurrentIndex(max(0, self.task_type.findData(rule["task_type"])))
            self.offset.setValue(rule["offset_days"])
            self.enabled.setChecked(rule["enabled"])
            self.template.setPlainText(rule["template"] or "")
        finally:
            self._loading = False
        self._show_help(rule)

    def _set(self, field: str, value) -> None:
        row = self.current_row()
        if self._loading or row is None:
            return
        self.model.rows[row][field] = value
        self.model.row_changed(row)
        self._show_help(self.model.rows[row])

    def _model_changed(self, top_left: QModelIndex, _bottom_right=None, _roles=None) -> None:
        """A checkbox ticked in the list shows in the editor."""
        row = self.current_row()
        if row is not None and top_left.row() == row and not self._loading:
            self._loading = True
            self.enabled.setChecked(self.model.rows[row]["enabled"])
            self._loading = False

    def _show_help(self, rule: dict) -> None:
        trigger = TRIGGERS.get(rule["trigger"])
        self.offset_help.setText(_tr(trigger[1]) if trigger else "")
        template = templates.template_for(rule["task_type"], rule["template"])
        text = templates.fill(template, sample_customer(self.today), today=self.today)
        self.preview.setText(text or self.tr("(no message)"))
        self.preview.setToolTip(self.tr("The message for a sample customer"))

    def _placeholders_html(self) -> str:
        return " · ".join(f'<a href="{name}">{{{name}}}</a> {escape(_tr(PLACEHOLDER_HELP[name]))}'
                          for name in templates.PLACEHOLDERS if name in PLACEHOLDER_HELP)

    def _insert_placeholder(self, name: str) -> None:
        self.template.insertPlainText("{" + name + "}")
        self.template.setFocus()

    def _use_default_template(self) -> None:
        row = self.current_row()
        if row is not None:
            self.template.setPlainText(templates.DEFAULTS.get(self.model.rows[row]["task_type"],
                                                              ""))

    def add_rule(self) -> None:
        """A new custom rule, selected for editing (stored on Save)."""
        rule = {"id": None, "name": self.tr("New rule"), "trigger": "after_purchase",
                "task_type": "custom", "offset_days": 3, "enabled": True, "template": ""}
        self.model.set_rows(self.model.rows + [rule])
        self.view.selectRow(len(self.model.rows) - 1)
        self._load_selected()
        self.name.setFocus()
        self.name.selectAll()

    # -- saving -------------------------------------------------------------------------
    def _problem(self) -> tuple[int, str] | None:
        for row, rule in enumerate(self.model.rows):
            if not rule["name"].strip():
                return row, self.tr("Every rule needs a name.")
            if len(rule["name"].strip()) > 120:
                return row, self.tr("A rule's name is at most 120 characters.")
        return None

    def save(self) -> bool:
        problem = self._problem()
        if problem is not None:
            row, text = problem
            self.view.selectRow(row)
            self.error.setText(text)
            self.error.show()
            return False
        store_rules(self.model.rows, self.original)
        self.changed.emit()
        self.accept()
        return True


def store_rules(rules: list[dict], original: dict[int, dict]) -> int:
    """Write the rules that differ from `original` (new ones: id None); how many."""
    written = 0
    with db.atomic():
        for rule in rules:
            values = {field: rule[field] for field in FIELDS}
            values["name"] = values["name"].strip()
            values["template"] = values["template"] or None
            values["stage"] = care_rules.STEPS.get(values["task_type"], ("post_sale",))[0]
            if rule["id"] is None:
                CareRule.create(**values)
            elif {f: original[rule["id"]][f] for f in FIELDS} != {f: rule[f] for f in FIELDS}:
                CareRule.update(**values).where(CareRule.id == rule["id"]).execute()
            else:
                continue
            written += 1
    return written
