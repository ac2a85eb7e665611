"""The import wizard: which column is which field, a preview, a test run, then import.

Like Odoo's import: the file is read and checked before anything is written, each
column's field can be changed or ignored, the first rows are shown as they will be
stored with every invalid cell marked and its reason, and "Test" runs the whole
import and rolls it back. Reading and checking a big file takes seconds, so it runs
in the background (ui.jobs); the core (io.imports) does all the work.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox, QFormLayout, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableWidget,
    QTableWidgetItem, QVBoxLayout, QWizard, QWizardPage,
)

from shopcrm.core import customers, phones
from shopcrm.core.errors import KnownError
from shopcrm.io import importer, imports, mapping, purchases, records_import
from shopcrm.ui import i18n, jobs
from shopcrm.ui.labels import field_label, label
from shopcrm.ui.rows_model import RowsModel, rows_view

PREVIEW_ROWS = 100  # the first rows shown; errors further down are counted, and listed
EXAMPLES = 3  # sample values per column in the mapping table
ERROR_BACKGROUND = QColor("#fdecea")

# The fields of purchases and of the other records (interactions, feedback, care tasks),
# which are not customer fields (those have ui.labels.field_label).
RECORD_FIELDS = {
    "customer_code": QT_TRANSLATE_NOOP("ImportWizard", "Customer code"),
    "customer_phone": QT_TRANSLATE_NOOP("ImportWizard", "Customer phone"),
    "date": QT_TRANSLATE_NOOP("ImportWizard", "Purchase date"),
    "amount": QT_TRANSLATE_NOOP("ImportWizard", "Amount (₫)"),
    "description": QT_TRANSLATE_NOOP("ImportWizard", "Items"),
    "channel": QT_TRANSLATE_NOOP("ImportWizard", "Channel"),
    "note": QT_TRANSLATE_NOOP("ImportWizard", "Note"),
    "at": QT_TRANSLATE_NOOP("ImportWizard", "Date and time"),
    "kind": QT_TRANSLATE_NOOP("ImportWizard", "Kind"),
    "summary": QT_TRANSLATE_NOOP("ImportWizard", "What was said or done"),
    "staff": QT_TRANSLATE_NOOP("ImportWizard", "Staff"),
    "rating": QT_TRANSLATE_NOOP("ImportWizard", "Rating (stars)"),
    "comment": QT_TRANSLATE_NOOP("ImportWizard", "Comment"),
    "status": QT_TRANSLATE_NOOP("ImportWizard", "Status"),
    "handler": QT_TRANSLATE_NOOP("ImportWizard", "Handled by"),
    "resolution": QT_TRANSLATE_NOOP("ImportWizard", "Resolution"),
    "resolved_at": QT_TRANSLATE_NOOP("ImportWizard", "Resolved on"),
    "task_type": QT_TRANSLATE_NOOP("ImportWizard", "Task"),
    "stage": QT_TRANSLATE_NOOP("ImportWizard", "Stage"),
    "step": QT_TRANSLATE_NOOP("ImportWizard", "Step"),
    "title": QT_TRANSLATE_NOOP("ImportWizard", "Title"),
    "due_date": QT_TRANSLATE_NOOP("ImportWizard", "Due date"),
    "due_time": QT_TRANSLATE_NOOP("ImportWizard", "Due time"),
    "recurrence": QT_TRANSLATE_NOOP("ImportWizard", "Repeat"),
    "outcome": QT_TRANSLATE_NOOP("ImportWizard", "Outcome"),
    "assigned_to": QT_TRANSLATE_NOOP("ImportWizard", "Assigned to"),
    "created_at": QT_TRANSLATE_NOOP("ImportWizard", "Created on"),
    "done_at": QT_TRANSLATE_NOOP("ImportWizard", "Done on"),
}


def target_label(kind: str, field: str) -> str:
    if kind != "customers" and field in RECORD_FIELDS:
        return QCoreApplication.translate("ImportWizard", RECORD_FIELDS[field])
    return field_label(field)


def shown_value(value) -> str:
    """A cleaned value as the customer form would show it."""
    if value is None:
        return ""
    if isinstance(value, (dt.date, dt.datetime)):
        return i18n.date_text(value)
    if isinstance(value, (tuple, list)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "✓" if value else ""
    if isinstance(value, str) and value.isdigit() and 9 <= len(value) <= 11:
        return phones.format_phone(value)
    return str(value)


def row_problems(row: importer.PlannedRow) -> str:
    return "; ".join(f"{e.header}: {i18n.error_text(e.error)}" if e.header
                     else i18n.error_text(e.error) for e in row.errors)


class PreviewModel(RowsModel):
    """The first rows as they will be stored, one column per mapped file column."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.plan: importer.ImportPlan | None = None
        self.columns: list[tuple[int, str]] = []  # (file column, field)
        self.kind = "customers"

    def set_plan(self, plan: importer.ImportPlan, kind: str) -> None:
        self.plan, self.kind = plan, kind
        self.columns = sorted(plan.mapping.items())
        self.set_rows(plan.rows[:PREVIEW_ROWS])

    def titles(self):
        if self.plan is None:
            return ()
        headers = self.plan.table.headers
        return (self.tr("Row"), *(f"{headers[c]} → {target_label(self.kind, f)}"
                                  for c, f in self.columns), self.tr("Problems"))

    def cell(self, row: importer.PlannedRow, column: int) -> str:
        if column == 0:
            return str(row.row_number)
        if column == len(self.columns) + 1:
            return row_problems(row)
        file_column, field = self.columns[column - 1]
        if row.values is not None and field in row.values:
            if field in customers.CHOICE_FIELDS:  # "female" is shown as the form shows it
                return label(field, row.values[field])
            return shown_value(row.values[field])
        return shown_value(row.cells[file_column] if file_column < len(row.cells) else None)

    def extra(self, row: importer.PlannedRow, column: int, role):
        errors = self._errors_in(row, column)
        if role == Qt.ItemDataRole.BackgroundRole and errors:
            return ERROR_BACKGROUND
        if role == Qt.ItemDataRole.ToolTipRole and errors:
            return "\n".join(i18n.error_text(e.error) for e in errors)
        return None

    def _errors_in(self, row: importer.PlannedRow, column: int) -> list[importer.CellError]:
        if not row.errors:
            return []
        if column == len(self.columns) + 1:
            return row.errors
        if 1 <= column <= len(self.columns):
            file_column = self.columns[column - 1][0]
            return [e for e in row.errors if e.column == file_column]
        return []


class ColumnsPage(QWizardPage):
    """Which field each column is (or ignored), what the file is, and the preview."""

    def __init__(self, wizard: "ImportWizard"):
        super().__init__()
        self.wizard_ = wizard
        self.setTitle(self.tr("Columns and preview"))
        self.setSubTitle(self.tr("Check which field each column of the file goes to; change "
                                 "it or ignore the column. Cells in red cannot be imported: "
                                 "point at them to see why."))
        self.kind = QComboBox()
        self.kind.addItem(self.tr("Customers"), "customers")
        self.kind.addItem(self.tr("Purchases (sales history)"), "purchases")
        self.kind.addItem(self.tr("Contacts (calls, visits, messages)"), "interactions")
        self.kind.addItem(self.tr("Feedback and complaints"), "feedback")
        self.kind.addItem(self.tr("Care tasks"), "tasks")
        self.kind.activated.connect(lambda _index: wizard.replan(kind=self.kind.currentData()))
        self.sheet = QComboBox()
        self.sheet.activated.connect(lambda _index: wizard.replan(sheet=self.sheet.currentText()))
        top = QFormLayout()
        top.addRow(self.tr("The file holds:"), self.kind)
        top.addRow(self.tr("Sheet:"), self.sheet)
        self.columns = QTableWidget(0, 3)
        self.columns.setHorizontalHeaderLabels(
            [self.tr("Column in the file"), self.tr("Examples"), self.tr("Goes to")])
        self.columns.verticalHeader().hide()
        self.columns.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.columns.horizontalHeader().setStretchLastSection(True)
        self.refused = False  # the core refused the mapping ("two columns are Phone")
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #b3261e;")
        self.problem.setWordWrap(True)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.preview = PreviewModel(self)
        self.preview_view = rows_view(self.preview)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.columns, 2)
        layout.addWidget(self.problem)
        layout.addWidget(self.summary)
        layout.addWidget(self.preview_view, 3)

    def show_plan(self, plan: importer.ImportPlan, kind: str) -> None:
        self.kind.setCurrentIndex(self.kind.findData(kind))
        self.sheet.clear()
        self.sheet.addItems(plan.table.sheet_names)
        self.sheet.setCurrentText(plan.table.sheet or "")
        self.sheet.setEnabled(len(plan.table.sheet_names) > 1)
        self._fill_columns(plan, kind)
        self.problem.hide()
        self.refused = False
        self.preview.set_plan(plan, kind)
        self.summary.setText(self.tr(
            "{valid} rows are ready to import; {errors} rows have errors and will be left out "
            "(the first {shown} rows are shown below).").format(
            valid=i18n.number(plan.valid_count), errors=i18n.number(plan.error_count),
            shown=min(PREVIEW_ROWS, len(plan.rows))))
        self.completeChanged.emit()

    def _fill_columns(self, plan: importer.ImportPlan, kind: str) -> None:
        targets = (mapping.TARGET_FIELDS if kind == "customers" else purchases.TARGET_FIELDS
                   if kind == "purchases" else records_import.TARGET_FIELDS[kind])
        headers = plan.table.headers
        self.columns.setRowCount(len(headers))
        for column, header in enumerate(headers):
            examples = [shown_value(row[column]) for row in plan.table.rows[:20]
                        if column < len(row) and row[column] not in (None, "")][:EXAMPLES]
            self.columns.setItem(column, 0, QTableWidgetItem(header))
            self.columns.setItem(column, 1, QTableWidgetItem(" · ".join(examples)))
            combo = QComboBox()
            combo.addItem(self.tr("(ignore this column)"), None)
            for field in targets:
                combo.addItem(target_label(kind, field), field)
            combo.setCurrentIndex(max(0, combo.findData(plan.mapping.get(column))))
            combo.activated.connect(lambda _index: self.wizard_.replan(mapping=self.mapping()))
            self.columns.setCellWidget(column, 2, combo)

    def mapping(self) -> dict[int, str]:
        """The user's choice: file column -> field (ignored columns left out)."""
        chosen = {}
        for column in range(self.columns.rowCount()):
            field = self.columns.cellWidget(column, 2).currentData()
            if field:
                chosen[column] = field
        return chosen

    def set_field(self, column: int, field: str | None) -> None:
        """Choose the field of a column, as the user does in its list (for tests too)."""
        combo = self.columns.cellWidget(column, 2)
        combo.setCurrentIndex(max(0, combo.findData(field)))
        combo.activated.emit(combo.currentIndex())

    def show_problem(self, text: str) -> None:
        self.refused = True
        self.problem.setText(text)
        self.problem.show()
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        plan = self.wizard_.plan
        return (not self.refused and not self.wizard_.busy
                and plan is not None and plan.valid_count > 0)


class RunPage(QWizardPage):
    """What to do with customers already stored, a test run, and the import."""

    def __init__(self, wizard: "ImportWizard"):
        super().__init__()
        self.wizard_ = wizard
        self.setTitle(self.tr("Import"))
        self.setSubTitle(self.tr("The import is one step: it either finishes or changes "
                                 "nothing. A backup is taken first."))
        self.policy = QComboBox()
        self.test_button = QPushButton(self.tr("&Test (writes nothing)"))
        self.test_button.clicked.connect(lambda: wizard.test_run())
        self.result = QLabel()
        self.result.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("Already stored (same code, phone or email):"), self.policy)
        row = QHBoxLayout()
        row.addWidget(self.test_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(row)
        layout.addWidget(self.result, 1)

    def initializePage(self) -> None:
        self.policy.clear()
        if self.wizard_.kind != "customers":
            self.policy.addItem(self.tr("Skip the ones already stored"), "skip")
            self.policy.addItem(self.tr("Add them again"), "create")
        else:
            self.policy.addItem(self.tr("Skip them (keep what is stored)"), "skip")
            self.policy.addItem(self.tr("Update them with the file's values"), "update")
            self.policy.addItem(self.tr("Add them again as new customers"), "create")
        self.result.clear()

    def show_result(self, result: importer.ImportResult) -> None:
        self.result.setText(self.tr(
            "Test run, nothing was written: {created} would be added, {updated} updated, "
            "{skipped} skipped as already stored, {rejected} left out because of errors.")
            .format(created=result.created, updated=result.updated, skipped=result.skipped,
                    rejected=result.rejected))


class ImportWizard(QWizard):
    """Shown after the file was read (`plan`); accepted means: import `plan` with
    `duplicate_policy()` as `kind`."""

    def __init__(self, plan: importer.ImportPlan, kind: str = "customers", parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Import {name}").format(name=plan.path.name))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.plan: importer.ImportPlan | None = plan
        self.kind = kind
        self.busy = False
        self.auto_mapping = dict(plan.mapping)  # a mapping the user changes is remembered
        self.columns_page = ColumnsPage(self)
        self.run_page = RunPage(self)
        self.addPage(self.columns_page)
        self.addPage(self.run_page)
        self.setButtonText(QWizard.WizardButton.FinishButton, self.tr("&Import"))
        self.resize(980, 680)
        self.columns_page.show_plan(plan, kind)

    def replan(self, mapping: dict[int, str] | None = None, kind: str | None = None,
               sheet: str | None = None) -> jobs.Job:
        """Check the file again under another mapping, kind or sheet (in the background)."""
        path, table = self.plan.path, self.plan.table
        kind = kind or self.kind
        reread = kind != self.kind or (sheet is not None and sheet != table.sheet)

        def work(_progress, _cancelled):
            if reread:  # another header row may apply: read the file again
                return imports.plan_file(path, kind, sheet if sheet else table.sheet)
            if kind == "purchases":
                return purchases.plan_purchase_table(table, path, mapping)
            if kind in records_import.KINDS:
                return records_import.plan_record_table(table, path, kind, mapping)
            return importer.plan_table(table, path, mapping)

        self.busy = True
        self.columns_page.completeChanged.emit()
        return jobs.Job(self, self.tr("Checking {name}…").format(name=path.name), work) \
            .success(lambda plan: self._planned(plan, kind, reread)) \
            .failure(self._plan_failed).start()

    def _planned(self, plan: importer.ImportPlan, kind: str, reread: bool) -> None:
        self.busy = False
        self.plan, self.kind = plan, kind
        if reread:
            self.auto_mapping = dict(plan.mapping)
        self.columns_page.show_plan(plan, kind)

    def _plan_failed(self, exc: Exception) -> None:
        self.busy = False
        if not isinstance(exc, KnownError):
            raise exc
        self.columns_page.show_problem(i18n.error_text(exc))

    def duplicate_policy(self) -> str:
        return self.run_page.policy.currentData() or "skip"

    def mapping_changed(self) -> bool:
        return self.plan is not None and self.plan.mapping != self.auto_mapping

    def test_run(self) -> jobs.Job:
        """"Test": the whole import, rolled back; says what would happen."""
        plan, kind, policy = self.plan, self.kind, self.duplicate_policy()
        self.run_page.test_button.setEnabled(False)

        def done(result):
            self.run_page.test_button.setEnabled(True)
            self.run_page.show_result(result)

        def failed(exc):
            self.run_page.test_button.setEnabled(True)
            if not isinstance(exc, KnownError):
                raise exc
            self.run_page.result.setText(i18n.error_text(exc))

        return jobs.Job(self, self.tr("Testing the import…"), lambda progress, cancelled:
                        imports.run_plan(plan, kind, policy, dry_run=True, progress=progress,
                                         cancel=cancelled)).success(done).failure(failed).start()
