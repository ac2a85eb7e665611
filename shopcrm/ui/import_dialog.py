"""After an import: saving the rows that were left out, with the reason, to fix them."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QFileDialog

from shopcrm.io import importer
from shopcrm.ui import i18n


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
