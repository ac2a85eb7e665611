"""Importing a spreadsheet from the window: read and check it, confirm, write, report.

Reading and writing run in the background (ui.jobs); this dialog only shows what
core/io found: how many rows are ready, which have errors and why, and what to
do with customers already stored.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QLabel, QPlainTextEdit,
    QVBoxLayout,
)

from shopcrm.io import importer
from shopcrm.ui import i18n
from shopcrm.ui.labels import field_label

SHOWN_ERRORS = 200


def describe_row_errors(row: importer.PlannedRow) -> str:
    return "; ".join(f"{e.header}: {i18n.error_text(e.error)}" if e.header
                     else i18n.error_text(e.error) for e in row.errors)


class ImportConfirmDialog(QDialog):
    """What the file holds and how it will be imported; exec() accepted means go."""

    def __init__(self, plan: importer.ImportPlan, parent=None):
        super().__init__(parent)
        self.plan = plan
        self.setWindowTitle(self.tr("Import {name}").format(name=plan.path.name))
        self.resize(640, 480)
        mapped = ", ".join(f"{plan.table.headers[column]} → {field_label(field)}"
                           for column, field in sorted(plan.mapping.items()))
        summary = QLabel(self.tr("{valid} rows are ready to import; {errors} rows have errors "
                                 "and will be left out.").format(valid=plan.valid_count,
                                                                 errors=plan.error_count))
        summary.setWordWrap(True)
        columns = QLabel(self.tr("Columns used: {columns}").format(columns=mapped or "—"))
        columns.setWordWrap(True)
        self.policy = QComboBox()
        self.policy.addItem(self.tr("Skip them (keep what is stored)"), "skip")
        self.policy.addItem(self.tr("Update them with the file's values"), "update")
        self.policy.addItem(self.tr("Add them again as new customers"), "create")
        errors = QPlainTextEdit(self._error_lines())
        errors.setReadOnly(True)

        form = QFormLayout()
        form.addRow(self.tr("Customers already stored (same code, phone or email):"), self.policy)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Import"))
        buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(plan.valid_count > 0)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (summary, columns):
            layout.addWidget(widget)
        layout.addLayout(form)
        layout.addWidget(QLabel(self.tr("Rows with errors:")))
        layout.addWidget(errors, 1)
        layout.addWidget(buttons)

    def _error_lines(self) -> str:
        bad = [row for row in self.plan.rows if row.errors][:SHOWN_ERRORS]
        if not bad:
            return self.tr("None: every row can be imported.")
        return "\n".join(self.tr("Row {row}: {reasons}").format(
            row=row.row_number, reasons=describe_row_errors(row)) for row in bad)

    def duplicate_policy(self) -> str:
        return self.policy.currentData()


def save_rejects(parent, result: importer.ImportResult) -> Path | None:
    """Offer to save the rejected rows with their reasons, to fix and import again."""
    translate = QCoreApplication.translate
    path, _ = QFileDialog.getSaveFileName(
        parent, translate("ImportConfirmDialog", "Save the rows that were not imported"),
        str(Path.home() / "khach-hang-loi.xlsx"),
        translate("ImportConfirmDialog", "Excel workbook (*.xlsx)"))
    if not path:
        return None
    return importer.write_rejects(result, Path(path),
                                  error_header=translate("ImportConfirmDialog", "Error"),
                                  describe=i18n.error_text)
