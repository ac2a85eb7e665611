"""Customer > Trash: restore what was deleted, or empty the trash after a backup."""

from __future__ import annotations

import pytest

from shopcrm.core import customers
from shopcrm.db.models import AuditLog, Customer, Purchase
from shopcrm.ui import backup_settings
from shopcrm.ui.app import make_application
from shopcrm.ui.trash_dialog import TrashDialog


@pytest.fixture
def dialog(qtbot, db, tmp_path, monkeypatch):
    make_application("en")
    monkeypatch.setattr(backup_settings, "folder", lambda: tmp_path / "backups")
    an = customers.create({"name": "Nguyễn An", "phone": "0912345678"})
    binh = customers.create({"name": "Trần Bình"})
    customers.create({"name": "Lê Châu"})
    Purchase.create(customer=binh, date="2026-11-01", amount=150_000)
    customers.trash([an.id, binh.id])
    trash = TrashDialog()
    qtbot.addWidget(trash)
    return trash


def test_trash_lists_and_restores(dialog):
    assert dialog.model.rowCount() == 2
    names = {dialog.model.index(row, 1).data() for row in range(2)}
    assert names == {"Nguyễn An", "Trần Bình"}
    row = next(r for r in range(2) if dialog.model.index(r, 1).data() == "Nguyễn An")
    assert dialog.model.index(row, 2).data() == "0912 345 678"
    dialog.view.selectRow(row)
    assert dialog.restore_selected() == 1
    assert customers.count() == 2 and dialog.model.rowCount() == 1


def test_emptying_the_trash_asks_then_deletes_for_good(dialog, db_url, tmp_path, monkeypatch):
    monkeypatch.setattr(dialog, "confirm", lambda text: False)
    assert dialog.empty_trash() == 0 and customers.count(trashed=True) == 2
    asked = []
    monkeypatch.setattr(dialog, "confirm", lambda text: asked.append(text) or True)
    assert dialog.empty_trash() == 2
    assert "Delete 2 customer(s)" in asked[0]
    assert Customer.select().count() == 1 and Purchase.select().count() == 0
    assert AuditLog.select().where(AuditLog.action == "purge").count() == 1
    assert dialog.empty_note.text() == "The trash is empty." and not dialog.purge_button.isEnabled()
    if db_url.startswith("sqlite"):
        assert "backup is made first" in asked[0]
        assert any("before-purge" in p.name for p in (tmp_path / "backups").iterdir())


def test_short_list_models_pass_qt_model_checks(dialog, qtmodeltester):
    """TrashModel stands for every RowsModel (audit, backups, duplicates, care tasks)."""
    qtmodeltester.check(dialog.model)
