"""The window's File commands: import, export, backup, restore and printing.

Kept apart from ui.main_window so that file holds the panes and how they talk;
`MainWindow.files` is the one instance, acting on its window.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QApplication, QFileDialog

from shopcrm.core.errors import KnownError
from shopcrm.ui import i18n, jobs, printing
from shopcrm.ui.import_dialog import save_rejects
from shopcrm.ui.import_history_dialog import ImportHistoryDialog
from shopcrm.ui.import_wizard import ImportWizard


class FileCommands(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window

    def import_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.window, self.tr("Import customers or purchases"), str(Path.home()),
            self.tr("Spreadsheets and contacts (*.xlsx *.xlsm *.csv *.txt *.vcf)"))
        if path:
            self.run_import(Path(path))

    def run_import(self, path: Path, kind: str = "customers") -> jobs.Job:
        """Read and check the file in the background (with the mapping remembered for
        its headers, else the automatic one), then open the wizard on it."""
        def work(progress, cancelled):
            return self._plan_either(path, kind)

        return jobs.Job(self.window, self.tr("Reading {name}…").format(name=path.name), work) \
            .success(lambda found: self._confirm_import(*found)) \
            .failure(self.window.show_error).start()

    @staticmethod
    def _plan_either(path: Path, kind: str):
        """(plan, kind): a file of sales or contacts chosen as customers is read as what it
        holds (the wizard can switch); when no kind fits, the first kind's sentence shows."""
        from shopcrm.io import imports

        first = None
        for candidate in (kind, *(k for k in imports.KINDS if k != kind)):
            try:
                return imports.plan_file(path, candidate), candidate
            except KnownError as exc:
                first = first or exc
        raise first

    def _confirm_import(self, plan, kind: str) -> None:
        wizard = ImportWizard(plan, kind, self.window)
        if self.ask_import(wizard):
            self.write_import(wizard.plan, wizard.duplicate_policy(), wizard.kind,
                              remember=wizard.mapping_changed())

    def ask_import(self, wizard: ImportWizard) -> bool:
        """Walk the wizard (a method so tests can drive it)."""
        return wizard.exec() == ImportWizard.DialogCode.Accepted

    def write_import(self, plan, policy: str, kind: str = "customers",
                     remember: bool = False) -> jobs.Job:
        from shopcrm.io import imports, mapping_memory

        folder = self.window.backups.folder()  # backed up there first

        def work(progress, cancelled):
            result = imports.run_plan(plan, kind, policy, progress=progress, cancel=cancelled,
                                      backup_folder=folder)
            if remember:  # the next file with these headers starts from the user's choice
                mapping_memory.remember_mapping(plan.table.headers, plan.mapping, kind)
            return result

        return jobs.Job(self.window, self.tr("Importing {name}…").format(name=plan.path.name),
                        work).success(self._imported).failure(self.window.show_error).start()

    def save_template(self) -> None:
        """File > Download import template: an empty sheet with the right columns, an
        example row and drop-down lists, in the window's language."""
        from shopcrm.io import template

        path, _ = QFileDialog.getSaveFileName(
            self.window, self.tr("Save the import template"),
            str(Path.home() / self.tr("import-template.xlsx")),
            self.tr("Excel workbook (*.xlsx)"))
        if not path:
            return
        try:
            written = template.write_template(Path(path), i18n.current_language())
        except KnownError as exc:
            self.window.show_error(exc)
            return
        self.window.statusBar().showMessage(
            self.tr("Written to {path}").format(path=written), 8000)

    def open_import_history(self) -> None:
        dialog = ImportHistoryDialog(self.window, editable=not self.window.read_only,
                                     backup_folder=self.window.backups.folder())
        dialog.undone.connect(self.window.refresh)
        dialog.exec()

    def _imported(self, result) -> None:
        self.window.refresh()
        self.window.backups.show_last()
        text = self.tr("Imported: {created} new, {updated} updated, {skipped} already there, "
                       "{rejected} left out because of errors.").format(
            created=result.created, updated=result.updated, skipped=result.skipped,
            rejected=result.rejected)
        self.window.inform(text)
        if result.rejected_rows and self.window.confirm(
                self.tr("Save the rows that were left out, with the reason, to correct them "
                        "and import them again?")):
            save_rejects(self.window, result)

    def export_file(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self.window, self.tr("Export customers"), str(Path.home() / "khach-hang.xlsx"),
            self.tr("Excel workbook (*.xlsx);;CSV (*.csv)"))
        if path:
            self.run_export(Path(path), self.window.list.model.all_ids())

    def run_export(self, path: Path, ids: list[int]) -> jobs.Job:
        from shopcrm.io.export import export_customers

        language = i18n.current_language()  # read here: the worker thread has no UI locale

        def work(progress, cancelled):
            return export_customers(path, ids, progress=progress, cancel=cancelled,
                                    language=language)

        return jobs.Job(self.window, self.tr("Exporting…"), work).success(
            lambda count: self.window.statusBar().showMessage(
                self.tr("{count} customers written to {path}").format(count=count, path=path), 8000)
        ).failure(self.window.show_error).start()

    def backup_now(self) -> None:
        from shopcrm.db import backup

        default = self.window.backups.folder() / backup.default_backup_name(dt.datetime.now())
        path, _ = QFileDialog.getSaveFileName(self.window, self.tr("Back up the database"), str(default),
                                              self.tr("ShopCRM database (*.db)"))
        if path:
            self.run_backup(Path(path))

    def run_backup(self, path: Path) -> jobs.Job:
        from shopcrm.db import backup

        return jobs.Job(self.window, self.tr("Backing up…"),
                        lambda progress, cancelled: backup.backup_to(path, progress)).success(
            self._backed_up).failure(self.window.show_error).start()

    def _backed_up(self, target: Path) -> None:
        self.window.statusBar().showMessage(
            self.tr("Backup saved and verified: {path}").format(path=target), 8000)
        self.window.backups.show_last()

    def _chosen_ids(self) -> list[int]:
        """The selected customers, else the one shown: what a summary is printed for."""
        ids = self.window.list.selected_ids()
        if not ids and self.window._shown_id is not None:
            ids = [self.window._shown_id]
        if not ids:
            self.window.inform(self.tr("Select the customers whose summaries to print."))
        return ids

    def print_summary(self) -> None:
        """File > Print summaries: one page per selected customer, in the print preview."""
        if ids := self._chosen_ids():
            printing.preview_summaries(self.window, ids)

    def save_summaries_pdf(self) -> None:
        if ids := self._chosen_ids():
            printing.save_summaries_pdf(self.window, ids, on_done=self._saved_pdf)

    def print_list(self) -> None:
        """File > Print customer list: the list as it is shown (search and filter)."""
        printing.print_list(self.window, self.window.list.model.all_ids())

    def save_list_pdf(self) -> None:
        printing.save_list_pdf(self.window, self.window.list.model.all_ids(),
                               on_done=self._saved_pdf)

    def _saved_pdf(self, path) -> None:
        self.window.statusBar().showMessage(
            self.tr("Written to {path}").format(path=path), 8000)

    def open_restore_dialog(self) -> None:
        from shopcrm.ui.restore_dialog import RestoreDialog

        RestoreDialog(self.restore_backup, self.window).exec()
        self.window.backups.show_last()  # the folder may have changed

    def restore_backup(self, path: Path) -> bool:
        """Put the backup `path` in place of the database and show its data; False if not.

        On the GUI thread, whose connection restore() closes and reopens, while no job
        runs: no other thread may use the file meanwhile (db.restore).
        """
        from shopcrm.db import restore

        if jobs.busy() or not jobs.wait_for_quiet():
            self.window.inform(self.tr("Wait until the work in progress has finished, then restore."))
            return False
        if not self.window.form.maybe_leave():
            return False
        try:
            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            try:  # a few seconds for a big shop (benchmarks/bench_backup_export.py)
                before = restore.restore(path, restore.database_file(self.window.url),
                                         self.window.backups.folder())
            finally:
                QApplication.restoreOverrideCursor()
        except KnownError as exc:
            self.window.show_error(exc)
            return False
        self.window.undo_stack.clear()  # all the data was replaced
        self.window.reload_all()
        self.window.backups.reset()
        text = self.tr("The backup {name} was restored.").format(name=path.name)
        if before is not None:
            text += " " + self.tr("The data as it was before is kept in {path}: restore it "
                                  "to undo this.").format(path=before)
        self.window.inform(text)
        return True
