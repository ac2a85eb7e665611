"""Tools > Care rules: enable/disable, edit the offset and the message, add a rule."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt

from shopcrm.core import care_rules
from shopcrm.db.models import CareRule
from shopcrm.ui.app import make_application
from shopcrm.ui.care_rules_dialog import CareRulesDialog

from .helpers import replace_text, type_text

TODAY = dt.date(2024, 6, 12)


@pytest.fixture
def dialog(qtbot, db):
    make_application("en")
    widget = CareRulesDialog(today=TODAY)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def row_of(dialog, task_type: str) -> int:
    return next(i for i, r in enumerate(dialog.model.rows) if r["task_type"] == task_type)


def test_the_default_rules_are_listed(dialog):
    assert dialog.model.rowCount() == len(care_rules.DEFAULT_RULES)
    first = dialog.model.index(0, 0)
    assert dialog.model.data(first, Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    assert dialog.model.data(dialog.model.index(0, 2)) == "After a purchase"
    assert dialog.model.data(dialog.model.index(0, 3)) == "Thank-you / check-in"
    assert dialog.name.text() == "Cảm ơn khách sau khi mua hàng"
    assert dialog.offset.value() == 2
    assert "days after the purchase" in dialog.offset_help.text()


def test_disable_a_rule_and_edit_an_offset(dialog, qtbot):
    birthday = row_of(dialog, "birthday")
    index = dialog.model.index(birthday, 0)
    assert dialog.model.flags(index) & Qt.ItemFlag.ItemIsUserCheckable
    dialog.model.setData(index, Qt.CheckState.Unchecked, Qt.ItemDataRole.CheckStateRole)
    feedback = row_of(dialog, "feedback_request")
    dialog.select_rule(feedback)
    assert dialog.offset.value() == 7
    dialog.offset.setValue(10)
    assert dialog.model.data(dialog.model.index(feedback, 4)) == "10"
    with qtbot.waitSignal(dialog.changed):
        dialog.save_button.click()
    assert not CareRule.get(CareRule.task_type == "birthday").enabled
    assert CareRule.get(CareRule.task_type == "feedback_request").offset_days == 10
    assert CareRule.get(CareRule.task_type == "thank_you").offset_days == 2
    assert dialog.result() == dialog.DialogCode.Accepted


def test_the_editors_checkbox_and_the_lists_agree(dialog):
    dialog.select_rule(0)
    dialog.enabled.setChecked(False)
    assert (dialog.model.data(dialog.model.index(0, 0), Qt.ItemDataRole.CheckStateRole)
            == Qt.CheckState.Unchecked)
    dialog.model.setData(dialog.model.index(0, 0), Qt.CheckState.Checked,
                         Qt.ItemDataRole.CheckStateRole)
    assert dialog.enabled.isChecked()


def test_the_template_preview_and_placeholders(dialog):
    dialog.select_rule(row_of(dialog, "birthday"))
    assert dialog.preview.text().startswith("Chúc mừng sinh nhật chị Hà!")
    replace_text(dialog.template, "")
    dialog.template.clear()
    type_text(dialog.template, "Chào ")
    dialog.placeholders.linkActivated.emit("given_name")
    type_text(dialog.template, ", {shop} tặng quà!")
    assert dialog.template.toPlainText() == "Chào {given_name}, {shop} tặng quà!"
    assert dialog.preview.text() == "Chào Hà, Shop tặng quà!"
    dialog.default_template.click()
    assert dialog.template.toPlainText().startswith("Chúc mừng sinh nhật {honorific}")


def test_add_a_custom_rule(dialog, qtbot):
    dialog.add_button.click()
    assert dialog.current_row() == len(care_rules.DEFAULT_RULES)
    replace_text(dialog.name, "Hỏi thăm sau 30 ngày")
    dialog.trigger.setCurrentIndex(dialog.trigger.findData("after_purchase"))
    dialog.task_type.setCurrentIndex(dialog.task_type.findData("thank_you"))
    dialog.offset.setValue(30)
    type_text(dialog.template, "Chào {honorific} {given_name}")
    assert dialog.preview.text() == "Chào chị Hà"
    with qtbot.waitSignal(dialog.changed):
        dialog.save_button.click()
    rule = CareRule.get(CareRule.name == "Hỏi thăm sau 30 ngày")
    assert (rule.trigger, rule.task_type, rule.offset_days, rule.enabled, rule.stage) == (
        "after_purchase", "thank_you", 30, True, "post_sale")
    assert rule.template == "Chào {honorific} {given_name}"
    assert CareRule.select().count() == len(care_rules.DEFAULT_RULES) + 1


def test_a_rule_needs_a_name(dialog):
    dialog.add_button.click()
    dialog.name.clear()
    dialog.name.textEdited.emit("")
    assert not dialog.save()
    assert dialog.error.text() == "Every rule needs a name."
    assert CareRule.select().count() == len(care_rules.DEFAULT_RULES)


def test_cancel_stores_nothing(dialog):
    dialog.offset.setValue(99)
    dialog.reject()
    assert CareRule.get(CareRule.task_type == "thank_you").offset_days == 2


def test_screenshot(dialog):
    dialog.select_rule(row_of(dialog, "birthday"))
    dialog.grab().save("/tmp/care_rules_dialog.png")
