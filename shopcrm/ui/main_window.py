"""The main window: customer list, customer detail and care schedule side by side."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import shiboken6
from PySide6.QtCore import QByteArray, QEvent, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QFileDialog, QLabel, QLineEdit, QMainWindow, QMessageBox, QPlainTextEdit,
    QSplitter,
)

from shopcrm.core import care, care_rules, customers, listing, privacy, security, segments
from shopcrm.core import settings as shop_settings
from shopcrm.core.errors import KnownError
from shopcrm.db import connection
from shopcrm.db.connection import CONNECTION_ERRORS
from shopcrm.db.models import Customer
from shopcrm.ui import i18n, jobs, printing
from shopcrm.ui.audit_dialog import AuditDialog
from shopcrm.ui.trash_dialog import TrashDialog
from shopcrm.ui.undo import EditCustomer, TrashCustomers
from shopcrm.ui.duplicates_dialog import DuplicatesDialog
from shopcrm.ui.backup_keeper import BackupKeeper
from shopcrm.ui.care_pane import CarePane
from shopcrm.ui.customer_form import CustomerForm
from shopcrm.ui.care_rules_dialog import CareRulesDialog
from shopcrm.ui.complaints_dialog import ComplaintsDialog
from shopcrm.ui.customer_list import CustomerList
from shopcrm.ui.customer_records import CustomerRecords
from shopcrm.ui.database_dialog import DatabaseDialog
from shopcrm.ui.file_commands import FileCommands
from shopcrm.ui.lock import IdleWatcher, LockDialog
from shopcrm.ui.segment_rules_dialog import SegmentRulesDialog
from shopcrm.ui.settings_dialog import SettingsDialog
from shopcrm.ui.sidebar import Sidebar
from shopcrm.ui.tray import notify_tasks


log = logging.getLogger(__name__)

# Start-up work that waits for the first paint starts anyway after this (a hidden window).
FIRST_PAINT_FALLBACK_MS = 2000
# How often the window looks for changes made at other counters.
SYNC_SECONDS = 20
# What a read-only window turns off: everything that writes to the database.
EDITING_ACTIONS = ("new", "save", "delete", "import", "settings", "erase", "restore", "trash",
                   "duplicates", "segment_rules", "care_rules")


class MainWindow(QMainWindow):
    def __init__(self, url: str, demo: bool = False, read_only: bool = False):
        super().__init__()
        self.url = url
        self.read_only = read_only  # the database was opened read-only (see ui.app)
        title = self.tr("ShopCRM — demo data") if demo else self.tr("ShopCRM")
        self.setWindowTitle(self.tr("{title} (read-only)").format(title=title) if read_only
                            else title)
        self.sidebar = Sidebar()
        self.list = CustomerList()
        self.form = CustomerForm()
        self.care = CarePane()
        self.records = CustomerRecords()  # purchases, contacts, feedback: under the form
        self.detail = QSplitter(Qt.Orientation.Vertical)
        self.detail.addWidget(self.form)
        self.detail.addWidget(self.records)
        self.detail.setStretchFactor(0, 3)
        self.detail.setStretchFactor(1, 2)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        for pane, stretch in ((self.sidebar, 1), (self.list, 3), (self.detail, 3), (self.care, 2)):
            self.splitter.addWidget(pane)
            self.splitter.setStretchFactor(self.splitter.count() - 1, stretch)
        self.setCentralWidget(self.splitter)
        self.counts = QLabel()
        self.statusBar().addPermanentWidget(self.counts)
        self._shown_id: int | None = None

        self.files = FileCommands(self)
        self._make_actions()
        if read_only:
            self._make_read_only()
        self.list.current_changed.connect(self._current_changed)
        self.list.reloaded.connect(self._update_counts)
        self.sidebar.chosen.connect(self.list.set_filter)
        self.list.filter_edited.connect(self.sidebar.clear_choice)
        self.list.save_filter_requested.connect(self.sidebar.save_filter)
        self.records.changed.connect(self._records_changed)
        self.form.saved.connect(self._saved)
        self.form.changed.connect(self._remember_change)
        self.care.open_customer.connect(self.open_customer)
        self.form.open_customer.connect(self.open_customer)
        self.care.changed.connect(self._update_counts)
        self._restore_layout()
        self._show(None)
        self.list.reload()
        if self.list.model.rowCount():
            self.list.select_row(0)
        # The care pane and the change stamps wait until the list has painted (~0.3 s
        # on 100,000 customers): the first screen a shop owner sees comes first.
        self._stamps: tuple | None = None
        self._segments_day: dt.date | None = None  # the day keep_segments_fresh() ran
        self._greeting = ""  # the care counts the status bar shows, see _greet
        # The rest waits for the list's first paint (a timer of 0 would run before it, and
        # the background jobs it starts would slow that paint by competing for Python).
        self._first_paint_done = False
        for shown in self._first_screen():
            shown.installEventFilter(self)
        QTimer.singleShot(FIRST_PAINT_FALLBACK_MS, self._after_first_paint)  # never painted
        self.sync_timer = QTimer(self, interval=SYNC_SECONDS * 1000)
        self.sync_timer.timeout.connect(self.sync)
        self.sync_timer.start()
        self._watch_idle()
        # Automatic backups (SQLite); never of the throw-away demo data.
        self.backups = BackupKeeper(self, enabled=not (demo or read_only))
        self.statusBar().addPermanentWidget(self.backups.label)
        if not connection.is_sqlite():  # the server restores its own backups
            self.actions["restore"].setEnabled(False)

    # -- actions -------------------------------------------------------------
    def _make_actions(self) -> None:
        spec = [
            ("new", self.tr("&New customer"), QKeySequence.StandardKey.New, self.new_customer),
            ("save", self.tr("&Save customer"), QKeySequence.StandardKey.Save, self.form.save),
            ("delete", self.tr("&Delete to trash"), QKeySequence.StandardKey.Delete,
             self.delete_selected),
            ("import", self.tr("&Import spreadsheet…"), QKeySequence("Ctrl+I"),
             self.files.import_file),
            ("export", self.tr("&Export customers…"), QKeySequence("Ctrl+E"),
             self.files.export_file),
            ("import_history", self.tr("Import &history…"), QKeySequence(),
             self.files.open_import_history),
            ("template", self.tr("Download import &template…"), QKeySequence(),
             self.files.save_template),
            ("print", self.tr("&Print summaries…"), QKeySequence.StandardKey.Print,
             self.files.print_summary),
            ("summaries_pdf", self.tr("Save summaries as P&DF…"), QKeySequence(),
             self.files.save_summaries_pdf),
            ("print_list", self.tr("Print customer &list…"), QKeySequence(),
             self.files.print_list),
            ("list_pdf", self.tr("Sa&ve customer list as PDF…"), QKeySequence(),
             self.files.save_list_pdf),
            ("backup", self.tr("&Back up now…"), QKeySequence("Ctrl+Shift+B"),
             self.files.backup_now),
            ("restore", self.tr("&Restore from backup…"), QKeySequence(),
             self.files.open_restore_dialog),
            ("settings", self.tr("Se&ttings…"), QKeySequence("Ctrl+,"), self.open_settings),
            ("segment_rules", self.tr("Segment &rules…"), QKeySequence(),
             self.open_segment_rules),
            ("care_rules", self.tr("&Care rules…"), QKeySequence(), self.open_care_rules),
            ("dashboard", self.tr("Re&ports dashboard…"), QKeySequence(), self.open_dashboard),
            ("call_sheet", self.tr("Print c&all sheet…"), QKeySequence(),
             lambda: printing.print_call_sheet(self)),
            ("call_sheet_pdf", self.tr("Save call sheet as PD&F…"), QKeySequence(),
             lambda: printing.save_call_sheet_pdf(self)),
            ("database", self.tr("&Database…"), QKeySequence(), self.open_database_settings),
            ("quit", self.tr("&Quit"), QKeySequence.StandardKey.Quit, self.close),
            ("export_personal", self.tr("E&xport this customer's data…"), QKeySequence(),
             self.export_personal_data),
            ("erase", self.tr("Erase &personal data…"), QKeySequence(), self.erase_personal_data),
            ("audit", self.tr("&Audit log"), QKeySequence(), self.open_audit_log),
            ("trash", self.tr("T&rash…"), QKeySequence(), self.open_trash),
            ("duplicates", self.tr("Find d&uplicates…"), QKeySequence(), self.open_duplicates),
            ("complaints", self.tr("Open &complaints…"), QKeySequence(), self.open_complaints),
            ("lock", self.tr("&Lock now"), QKeySequence("Ctrl+L"), lambda: self.lock()),
            ("find", self.tr("&Find customer"), QKeySequence.StandardKey.Find, self.focus_search),
            ("refresh", self.tr("&Refresh"), QKeySequence.StandardKey.Refresh, self.refresh),
        ]
        self.undo_stack = QUndoStack(self)
        self.actions: dict[str, QAction] = {}
        for name, text, shortcut, slot in spec:
            action = QAction(text, self)
            action.setShortcut(QKeySequence(shortcut))
            action.triggered.connect(lambda _checked=False, slot=slot: slot())
            self.actions[name] = action
        self.actions["delete"].setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.list.view.addAction(self.actions["delete"])
        self.actions["undo"] = self.undo_stack.createUndoAction(self, self.tr("&Undo"))
        self.actions["undo"].setShortcut(QKeySequence.StandardKey.Undo)
        self.actions["redo"] = self.undo_stack.createRedoAction(self, self.tr("&Redo"))
        self.actions["redo"].setShortcut(QKeySequence.StandardKey.Redo)
        self._make_menus()

    def _make_menus(self) -> None:
        menus = [
            (self.tr("&File"), ["import", "import_history", "template", "export", None,
                               "print", "summaries_pdf", "print_list", "list_pdf",
                               "call_sheet", "call_sheet_pdf", None, "backup", "restore", None,
                               "quit"]),
            (self.tr("&Edit"), ["undo", "redo"]),
            (self.tr("&Customer"), ["new", "save", "delete", "trash", "duplicates", "complaints",
                                    None,
                                    "export_personal", "erase", None, "find", "refresh"]),
            (self.tr("&Tools"), ["dashboard", None, "settings", "segment_rules", "care_rules",
                                 "database", "audit", None, "lock"]),
        ]
        for title, names in menus:
            menu = self.menuBar().addMenu(title)
            for name in names:
                menu.addSeparator() if name is None else menu.addAction(self.actions[name])
        toolbar = self.addToolBar(self.tr("Main"))
        toolbar.setObjectName("main-toolbar")
        for name in ("new", "delete", None, "import", "export", "print", None, "backup",
                     "settings"):
            toolbar.addSeparator() if name is None else toolbar.addAction(self.actions[name])

    def _make_read_only(self) -> None:
        """Show and export only: no action, button or field that would write is usable."""
        for name in EDITING_ACTIONS:
            self.actions[name].setEnabled(False)
        for widget in self.form.inputs.values():
            if isinstance(widget, (QLineEdit, QPlainTextEdit)):
                widget.setReadOnly(True)  # still selectable and copyable
            else:
                widget.setEnabled(False)
        for button in (self.form.save_button, self.form.revert_button):
            button.setEnabled(False)  # the form never gets dirty, so they stay off
        self.form.set_consents_editable(False)
        self.sidebar.set_editable(False)
        self.records.set_editable(False)
        self.list.can_save = False
        self.care.set_editable(False)  # copy and call stay; done, skip, snooze go

    # -- selection and editing -------------------------------------------------
    def _current_changed(self, customer_id: int | None) -> None:
        if customer_id == self._shown_id:
            return
        if not self.form.maybe_leave():
            if self._shown_id is not None:  # stay on the customer being edited
                self.list.view.selectionModel().blockSignals(True)
                self.list.select_id(self._shown_id)
                self.list.view.selectionModel().blockSignals(False)
            return
        self._show(customer_id)

    def _show(self, customer_id: int | None) -> None:
        self._shown_id = customer_id
        for name in ("delete", "print", "summaries_pdf", "export_personal", "erase"):
            self.actions[name].setEnabled(customer_id is not None
                                          and not (self.read_only and name in EDITING_ACTIONS))
        self.records.show_customer(customer_id)
        if customer_id is None:
            self.form.clear()
            self.care.show_customer(None)
            return
        self.form.load(customer_id)
        self.care.show_customer(customer_id, self.form._customer.name)

    def new_customer(self) -> None:
        if self.form.maybe_leave():
            self.list.view.clearSelection()
            self._show(None)
            self.form.new_customer()

    def _saved(self, customer_id: int) -> None:
        self._shown_id = customer_id
        self.list.model.forget(customer_id)
        self.list.view.selectionModel().blockSignals(True)
        self.list.reload(keep=customer_id)
        self.sidebar.refresh_counts()
        if not self.list.select_id(customer_id):
            self.list.view.clearSelection()
        self.list.view.selectionModel().blockSignals(False)
        self.care.show_customer(customer_id, self.form._customer.name)
        self.statusBar().showMessage(self.tr("Saved."), 3000)

    def _remember_change(self, customer_id: int, before: dict | None, after: dict) -> None:
        name = after.get("name") or ""
        if before is None:
            command = TrashCustomers(self.tr("Add {name}").format(name=name), [customer_id],
                                     self._after_undo, self.show_error, created=True)
        else:
            command = EditCustomer(self.tr("Edit {name}").format(name=name), customer_id,
                                   before, after, self._after_undo, self.show_error)
        self.undo_stack.push(command)

    def _after_undo(self) -> None:
        """After an undo or redo: show the data as it now is (the form, if clean, too)."""
        self.refresh()
        if self._shown_id is not None and not self.form.is_dirty():
            current = customers.get(self._shown_id)
            if current.deleted_at is None:
                self.form.load(self._shown_id)

    def open_customer(self, customer_id: int) -> None:
        self.list.select_id(customer_id)

    def _records_changed(self, customer_id: int) -> None:
        """A purchase, contact or feedback was written: its segment, figures and the
        lists' counts may have changed."""
        self.list.model.forget(customer_id)
        self.sidebar.refresh_counts()
        if self.form.customer_id == customer_id:
            self.form.refresh_header()

    def open_complaints(self) -> None:
        dialog = ComplaintsDialog(self, editable=not self.read_only)
        dialog.open_customer.connect(self.open_customer)
        dialog.changed.connect(self._records_changed)
        dialog.exec()

    def delete_selected(self) -> None:
        ids = self.list.selected_ids()
        if not ids:
            return
        if not self.confirm(self.tr("Move {count} customer(s) to the trash? They can be restored "
                                    "from the trash until it is emptied.").format(count=len(ids))):
            return
        if self._shown_id in ids:
            self.form.clear()
            self._shown_id = None
        moved = customers.trash(ids)
        self.undo_stack.push(TrashCustomers(
            self.tr("Delete {count} customer(s)").format(count=len(ids)), ids,
            self._after_undo, self.show_error))
        self.list.reload()
        self.care.refresh()
        self.sidebar.refresh_counts()
        self.statusBar().showMessage(self.tr("{count} customer(s) moved to the trash.")
                                     .format(count=moved), 5000)

    def confirm(self, text: str) -> bool:
        """Ask yes/no (a method so tests can answer it)."""
        answer = QMessageBox.question(self, self.tr("ShopCRM"), text)
        return answer == QMessageBox.StandardButton.Yes

    def focus_search(self) -> None:
        self.list.search.setFocus()
        self.list.search.selectAll()

    def refresh(self) -> None:
        """Read again what other counters may have changed; unsaved edits stay."""
        self._stamps = self._change_stamps()
        self._reload_list()
        self.care.refresh()
        self.sidebar.refresh_counts()

    @staticmethod
    def _change_stamps() -> tuple:
        return listing.change_stamp(), care.change_stamp()

    def sync(self) -> None:
        """Periodically: show other counters' changes, if there are any (two cheap queries)."""
        try:
            stamps = self._change_stamps()
        except CONNECTION_ERRORS:  # the next tick tries again; nothing here is lost
            self.statusBar().showMessage(self.tr(
                "Cannot reach the database; trying again in {seconds} seconds.").format(
                seconds=SYNC_SECONDS), SYNC_SECONDS * 1000)
            return
        if self._stamps is None:  # before the first paint: this is the baseline
            self._stamps = stamps
            return
        self.keep_segments_fresh()  # a no-op but on the first tick of a new day
        customers_changed, tasks_changed = (new != old for new, old in zip(stamps, self._stamps))
        self._stamps = stamps
        if customers_changed:
            self._reload_list()
            self.sidebar.refresh_counts()
        if tasks_changed or customers_changed:
            self.care.refresh()

    def _reload_list(self) -> None:
        """Reload the list; the form is re-read only when it holds no unsaved edits."""
        if self.form.is_dirty():
            self.list.blockSignals(True)  # never ask "save?" because of a timer
            self.list.reload(keep=self._shown_id)
            self.list.blockSignals(False)
            self._update_counts()
            return
        self.list.reload(keep=self._shown_id)
        shown = self._shown_id
        if shown is not None and self.form.customer_id == shown:
            current = Customer.get_or_none(Customer.id == shown)  # gone: merged elsewhere
            if current is None or current.deleted_at is not None:
                self._show(None)
            elif current.version != self.form.loaded_version:
                self.form.load(shown)

    def _update_counts(self) -> None:
        shown, total = self.list.model.rowCount(), customers.count()
        self.counts.setText(self.tr("{shown} of {total} customers shown").format(
            shown=i18n.number(shown), total=i18n.number(total)))

    def eventFilter(self, watched, event) -> bool:
        if (not self._first_paint_done and event.type() == QEvent.Type.Paint
                and watched in self._first_screen()):
            QTimer.singleShot(0, self._after_first_paint)
        return super().eventFilter(watched, event)

    def _first_screen(self) -> tuple:
        """What the list pane paints first: the rows, or the sentence of an empty list
        (a new shop's window starts its work when that is on screen, not 2 s later)."""
        return self.list.view.viewport(), self.list.empty

    def _after_first_paint(self) -> None:
        if self._first_paint_done:
            return
        self._first_paint_done = True
        for shown in self._first_screen():
            shown.removeEventFilter(self)
        self.care.refresh()
        self.sidebar.refresh_counts()
        self.keep_segments_fresh()
        if self._stamps is None:  # a refresh() or a sync may have set it already
            self._stamps = self._change_stamps()
        self._greet()

    def _greet(self) -> None:
        overdue, due_today = care.counts(dt.date.today())
        self._greeting = self.tr("Care schedule: {overdue} overdue, {today} due today.").format(
            overdue=overdue, today=due_today)
        self.statusBar().showMessage(self._greeting, 15000)
        notify_tasks(self, overdue, due_today)  # where the desktop has a tray

    def open_settings(self) -> None:
        SettingsDialog(self.url, self).exec()

    def open_care_rules(self) -> None:
        dialog = CareRulesDialog(self)
        dialog.changed.connect(self._care_rules_changed)
        dialog.exec()

    def _care_rules_changed(self) -> None:
        """Edited rules apply at once: today's tasks are made again (never twice)."""
        self._segments_day = None
        self.keep_segments_fresh()
        self.care.refresh()

    def open_dashboard(self) -> None:
        from shopcrm.ui.dashboard import open_dashboard  # Qt Charts: loaded when asked

        open_dashboard(self, on_filter=self.list.set_filter, on_customer=self.open_customer)

    def open_segment_rules(self) -> None:
        dialog = SegmentRulesDialog(self)
        dialog.saved.connect(self._segments_changed)
        dialog.exec()

    def keep_segments_fresh(self, today: dt.date | None = None) -> jobs.Job | None:
        """Once a day (at start, and when the date changes while the window is open), in
        the background: the segments are computed again (customers become lapsed as days
        pass, without any edit: ~1-5 s for 100,000 customers and 1,000,000 purchases),
        then the care rules create the day's tasks (birthdays, win-backs, catch-up)."""
        today = today or dt.date.today()
        if self.read_only or self._segments_day == today:
            return None
        self._segments_day = today

        def work(_progress, _cancelled):
            recomputed = segments.recompute_if_stale(today)
            care_rules.ensure_default_rules()
            return recomputed, care_rules.generate(today)

        return jobs.Job(self, "", work, quiet=True).success(self._day_started).failure(
            lambda exc: log.warning("segments or care tasks not updated: %s", exc)).start()

    def _day_started(self, result) -> None:
        recomputed, generated = result
        # The window may have been closed (or moved to another database) meanwhile.
        if not shiboken6.isValid(self) or not self.isVisible():
            return
        if recomputed is not None and recomputed.changed:
            self._segments_changed()
        if generated.total:
            self.care.refresh()
            # The counts again, but never over another message being read.
            if self.statusBar().currentMessage() in ("", self._greeting):
                self._greet()

    def _segments_changed(self) -> None:
        """Badges, counts and the detail header show the new segments."""
        self.list.model.refresh_rows()
        self.sidebar.refresh_counts()
        self.form.refresh_header()

    def export_personal_data(self) -> None:
        """An access request: everything about the shown customer, in one file."""
        from shopcrm.io.personal_data import export_personal_data

        customer = customers.get(self._shown_id)
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Export this customer's data"),
            str(Path.home() / f"{customer.code}.json"), self.tr("JSON file (*.json)"))
        if path:
            export_personal_data(customer.id, Path(path))
            self.statusBar().showMessage(self.tr("Written to {path}").format(path=path), 8000)

    def erase_personal_data(self) -> None:
        """An erasure request: anonymise the shown customer; purchases stay for the totals."""
        customer = customers.get(self._shown_id)
        if not self.confirm(self.tr(
                "Erase the personal data of {name}? Name, phones, email, address, birthday, "
                "notes and what was said are removed for good; anonymous purchases stay in "
                "the reports. This cannot be undone.").format(name=customer.name)):
            return
        privacy.erase_personal_data(customer.id)
        self.undo_stack.clear()  # an undo must never bring erased personal data back
        self.list.model.forget(customer.id)
        self.form.load(customer.id)
        self.refresh()
        self.statusBar().showMessage(self.tr("Personal data erased."), 8000)

    def lock(self, at_start: bool = False) -> bool:
        """Hide the customers behind the app password until it is given.

        At start the user may quit instead (False); later, unsaved edits wait behind the
        lock, so it only opens with the password.
        """
        if not security.has_password():
            return True
        self.centralWidget().hide()
        while not LockDialog.ask(self, allow_quit=at_start):
            if at_start:
                return False
        self.centralWidget().show()
        return True

    def _watch_idle(self) -> None:
        self.idle_watcher = IdleWatcher(shop_settings.get("lock_after_minutes"), self)
        self.idle_watcher.idle.connect(lambda: self.lock())

    def open_duplicates(self) -> None:
        """Customer > Find duplicates: merging may delete the customer shown, so it is
        saved or left first."""
        if not self.form.maybe_leave():
            return
        dialog = DuplicatesDialog(self)
        self.show_duplicates(dialog)
        if dialog.merged_any:
            self.undo_stack.clear()  # merged customers are gone: their edits cannot come back
            self.refresh()

    def show_duplicates(self, dialog: DuplicatesDialog) -> None:
        """Run the dialog (a method so tests can drive it)."""
        dialog.exec()

    def open_trash(self) -> None:
        TrashDialog(self).exec()
        self.undo_stack.clear()  # the trash may have been emptied: nothing left to restore
        self.refresh()  # restored customers come back into the list

    def open_audit_log(self) -> None:
        AuditDialog(self).exec()

    def open_database_settings(self) -> None:
        DatabaseDialog(self.url, self).exec()

    def reload_all(self) -> None:
        """Show the database afresh (after a restore): nothing read before is kept."""
        self._show(None)
        self.list.reload()
        self.refresh()
        if self.list.current_id() is None and self.list.model.rowCount():
            self.list.select_row(0)
        self._show(self.list.current_id())

    # -- messages ----------------------------------------------------------------
    def show_error(self, exc: Exception) -> None:
        if isinstance(exc, KnownError):
            self.inform(i18n.error_text(exc), QMessageBox.Icon.Warning)
        else:
            raise exc

    def inform(self, text: str, icon=QMessageBox.Icon.Information) -> None:
        """Tell the user something (a method so tests can read it)."""
        QMessageBox(icon, self.tr("ShopCRM"), text, parent=self).exec()

    # -- window state --------------------------------------------------------------
    def _restore_layout(self) -> None:
        settings = QSettings()
        geometry = settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and self.restoreGeometry(geometry):
            self.restoreState(settings.value("window/state", QByteArray()))
            self.splitter.restoreState(settings.value("window/panes", QByteArray()))
            self.detail.restoreState(settings.value("window/detail", QByteArray()))
            columns = settings.value("window/list-columns")
            if isinstance(columns, QByteArray):  # which columns, their widths and the sort
                self.list.view.horizontalHeader().restoreState(columns)
        else:
            self.resize(1440, 860)
            self.splitter.setSizes([230, 450, 440, 320])
            self.detail.setSizes([480, 320])

    def closeEvent(self, event) -> None:
        if not self.form.maybe_leave():
            event.ignore()
            return
        settings = QSettings()
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/state", self.saveState())
        settings.setValue("window/panes", self.splitter.saveState())
        settings.setValue("window/detail", self.detail.saveState())
        settings.setValue("window/list-columns", self.list.view.horizontalHeader().saveState())
        self.backups.at_exit()
        event.accept()

