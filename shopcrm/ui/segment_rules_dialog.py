"""Tools > Segment rules: the thresholds of core.segments, with what each one means."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QFormLayout, QLabel, QSpinBox, QVBoxLayout, QWidget,
)

from shopcrm.core import segments
from shopcrm.core.errors import KnownError
from shopcrm.core.settings import SETTINGS
from shopcrm.ui import i18n, jobs

ERROR_STYLE = "color: #b3261e;"


def _segments_text(text: str) -> str:
    return QCoreApplication.translate("segments", text)


class SegmentRulesDialog(QDialog):
    """Edit the thresholds; Save stores them and recomputes every customer's segment in
    the background (seconds on 100,000 customers), then emits `saved`."""

    saved = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Segment rules"))
        intro = QLabel(self.tr(
            "Segments are computed from purchases: potential (no purchase yet), lapsed, loyal, "
            "first big purchase, new — the first rule that holds, in that order. Value tiers "
            "rank customers by what they spent in all."))
        intro.setWordWrap(True)
        form = QFormLayout()
        self.spins: dict[str, QSpinBox] = {}
        self.errors: dict[str, QLabel] = {}
        current = segments.SegmentRules.from_setting().to_setting()
        for name, rule in segments.RULES.items():
            spin = QSpinBox()
            # QSpinBox holds 32-bit ints: ~2.1 billion ₫ is far above any shop's "big".
            spin.setRange(rule.low, min(rule.high, 2**31 - 1))
            spin.setGroupSeparatorShown(True)
            spin.setValue(int(current[name]))
            spin.setToolTip(_segments_text(rule.help))
            help_text = QLabel(_segments_text(rule.help))
            help_text.setWordWrap(True)
            help_text.setStyleSheet("color: #5f6368;")
            error = QLabel()
            error.setStyleSheet(ERROR_STYLE)
            error.hide()
            cell = QWidget()
            column = QVBoxLayout(cell)
            column.setContentsMargins(0, 0, 0, 6)
            for widget in (spin, help_text, error):
                column.addWidget(widget)
            form.addRow(_segments_text(rule.title), cell)
            self.spins[name], self.errors[name] = spin, error
        self.form_error = QLabel()
        self.form_error.setStyleSheet(ERROR_STYLE)
        self.form_error.setWordWrap(True)
        self.form_error.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel
                                   | QDialogButtonBox.StandardButton.RestoreDefaults)
        buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(
            self.restore_defaults)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.form_error)
        layout.addWidget(buttons)

    def values(self) -> dict[str, int]:
        return {name: spin.value() for name, spin in self.spins.items()}

    def restore_defaults(self) -> None:
        for name, value in SETTINGS[segments.RULES_KEY].default.items():
            self.spins[name].setValue(value)

    def save(self) -> jobs.Job | None:
        """Check the rules here (fast), then store and recompute in the background."""
        try:
            segments.SegmentRules.from_values(self.values())
        except segments.RuleErrors as exc:
            self._show_errors(exc.errors)
            self.form_error.setText(i18n.error_text(exc))
            self.form_error.show()
            return None
        except KnownError as exc:  # e.g. high + low above 100 %
            self._show_errors({})
            self.form_error.setText(i18n.error_text(exc))
            self.form_error.show()
            return None
        values = self.values()
        self.save_button.setEnabled(False)
        return jobs.Job(self, self.tr("Computing the segments again…"),
                        lambda progress, cancelled: segments.save_rules(values)) \
            .success(self._saved).failure(self._failed).start()

    def _saved(self, _result) -> None:
        self.saved.emit()
        self.accept()

    def _failed(self, exc: Exception) -> None:
        self.save_button.setEnabled(True)
        if not isinstance(exc, KnownError):
            raise exc
        self.form_error.setText(i18n.error_text(exc))
        self.form_error.show()

    def _show_errors(self, errors: dict[str, KnownError]) -> None:
        for name, label in self.errors.items():
            label.setVisible(name in errors)
            label.setText(i18n.error_text(errors[name]) if name in errors else "")
