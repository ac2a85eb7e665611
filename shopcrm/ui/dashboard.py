"""The reports dashboard: a window of charts and big numbers for a chosen period.

A thin skin over core.reports: `reports.dashboard(period, today)` computes every
figure in the background (shopcrm.ui.jobs.Job); this window only draws them. A
click on a segment, value tier, source or province asks for the matching customer
list with `filter_requested(spec, title)` (spec: a core.filters dict); the main
window shows it. The figures go to Excel (one sheet per chart) and to paper or PDF
(ui.dashboard_export).

    board = open_dashboard(main_window, on_filter=main_window.list.set_filter)
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from functools import partial
from pathlib import Path
from typing import Callable

import shiboken6
from PySide6.QtCharts import QChart
from PySide6.QtCore import QCoreApplication, QDate, QLocale, QSettings, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QComboBox, QDateEdit, QFileDialog, QFrame, QGridLayout,
                               QGroupBox, QHBoxLayout, QLabel, QMainWindow, QProgressBar,
                               QScrollArea, QSizePolicy, QToolBar, QVBoxLayout, QWidget)

from shopcrm.core import reports
from shopcrm.core.errors import KnownError
from shopcrm.core.segments import months_before
from shopcrm.ui import dashboard_charts as charts
from shopcrm.ui import dashboard_export as export
from shopcrm.ui import i18n, jobs
from shopcrm.ui.dashboard_tables import TopCustomersModel, TopReferrersModel, rows_view
from shopcrm.ui.labels import label

log = logging.getLogger(__name__)

PRESETS = ("this_month", "months_3", "months_6", "months_12", "this_year", "custom")
DEFAULT_PRESET = "months_6"
SETTING = "dashboard/period"
CLICKABLE = {"segment": "funnel_segment", "value_tier": "value_tier", "source": "source",
             "province": None}  # filter axis -> the labels' field of its keys
CARE_COLORS = ("#3aa57a", "#e3a21a", "#d4544a")


def preset_period(preset: str, today: dt.date) -> reports.Period:
    """The days a preset covers, up to today: this month, the last 3/6/12 months
    (the current one and the whole months before it), this year."""
    if preset == "this_year":
        return reports.Period(dt.date(today.year, 1, 1), today)
    months = {"this_month": 1, "months_3": 3, "months_6": 6, "months_12": 12}[preset]
    return reports.Period(months_before(today.replace(day=1), months - 1), today)


def month_text(key: str) -> str:
    """"2026-01" -> "01/2026" (the order of dd/MM/yyyy, in both languages)."""
    return f"{key[5:7]}/{key[:4]}"


def percent(rate: float | None) -> str:
    return "–" if rate is None else f"{QLocale().toString(rate * 100, 'f', 1)} %"


def decimal(value: float | None, decimals: int = 1) -> str:
    return "–" if value is None else QLocale().toString(float(value), "f", decimals)


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(day: QDate) -> dt.date:
    return dt.date(day.year(), day.month(), day.day())


class Card(QFrame):
    """A big number with its title, a line of detail and its definition as a tooltip."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName("dashboardCard")
        self.setStyleSheet("#dashboardCard { background: #f4f7fa; border: 1px solid #c9d3dd;"
                           " border-radius: 6px; }")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(2)
        self.title = QLabel()
        self.title.setStyleSheet("color: #4a5968;")
        self.value = QLabel("–")
        font = self.value.font()
        font.setPointSizeF(font.pointSizeF() * 2.1)
        font.setBold(True)
        self.value.setFont(font)
        self.note = QLabel()
        self.note.setStyleSheet("color: #4a5968;")
        self.note.setWordWrap(True)
        for widget in (self.title, self.value, self.note):
            layout.addWidget(widget)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def show_figure(self, card: export.Card, definition: str = "") -> None:
        self.title.setText(card.title)
        self.value.setText(card.value)
        self.note.setText(card.note)
        self.setToolTip(definition)


class DashboardWindow(QMainWindow):
    """The dashboard of the open database, in a window of its own."""

    filter_requested = Signal(dict, str)  # a core.filters spec and its title
    customer_requested = Signal(int)  # a top customer or referrer double-clicked
    updated = Signal()  # new figures are shown

    CHARTS = ("segments", "tiers", "new_customers", "revenue", "lapsed", "ratings", "care",
              "sources", "provinces")
    CARDS = ("repeat", "retention", "complaints", "resolution", "on_time")

    def __init__(self, parent: QWidget | None = None, today: dt.date | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Dashboard"))
        self.fixed_today = today
        self.board: reports.Dashboard | None = None
        self.keys: dict[str, list] = {axis: [] for axis in CLICKABLE}
        self._job: jobs.Job | None = None
        self._wanted: reports.Period | None = None
        self._began = 0.0
        self._debounce = QTimer(self, singleShot=True, interval=500)
        self._debounce.timeout.connect(self.refresh)
        self._make_toolbar()
        self._make_body()
        self.resize(1280, 900)
        saved = QSettings().value(SETTING, DEFAULT_PRESET)
        self.choose_preset(saved if saved in PRESETS[:-1] else DEFAULT_PRESET)

    # -- building -------------------------------------------------------------------------

    def _make_toolbar(self) -> None:
        bar = QToolBar(self.tr("Period"), self)
        bar.setMovable(False)
        self.addToolBar(bar)
        bar.addWidget(QLabel(self.tr("Period:") + " "))
        self.preset = QComboBox()
        names = (self.tr("This month"), self.tr("Last 3 months"), self.tr("Last 6 months"),
                 self.tr("Last 12 months"), self.tr("This year"), self.tr("Custom dates"))
        for key, name in zip(PRESETS, names):
            self.preset.addItem(name, key)
        self.preset.currentIndexChanged.connect(self._preset_changed)
        bar.addWidget(self.preset)
        self.start_edit, self.end_edit = QDateEdit(), QDateEdit()
        for text, edit in ((self.tr("from"), self.start_edit), (self.tr("to"), self.end_edit)):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat(i18n.DATE_FORMAT)
            edit.dateChanged.connect(self._dates_edited)
            bar.addWidget(QLabel(f"  {text} "))
            bar.addWidget(edit)
        bar.addSeparator()
        self.refresh_action = self._action(bar, self.tr("Refresh"), self.refresh,
                                           QKeySequence.StandardKey.Refresh)
        self.xlsx_action = self._action(bar, self.tr("Export to Excel…"), self.export_xlsx)
        self.pdf_action = self._action(bar, self.tr("Save as PDF…"), self.save_pdf)
        self.print_action = self._action(bar, self.tr("Print…"), self.print_board,
                                         QKeySequence.StandardKey.Print)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setMaximumWidth(120)
        self.progress.hide()
        bar.addWidget(self.progress)
        self.status = QLabel()
        bar.addWidget(self.status)

    def _action(self, bar: QToolBar, text: str, slot: Callable, shortcut=None) -> QAction:
        action = QAction(text, self)
        action.triggered.connect(lambda _checked=False: slot())
        if shortcut is not None:
            action.setShortcut(shortcut)
        bar.addAction(action)
        return action

    def _make_body(self) -> None:
        content = QWidget()
        content.setObjectName("dashboardContent")
        layout = QVBoxLayout(content)
        cards = QHBoxLayout()
        self.cards = {name: Card() for name in self.CARDS}
        for card in self.cards.values():
            cards.addWidget(card)
        layout.addLayout(cards)
        grid = QGridLayout()
        self.views = {name: charts.new_view() for name in self.CHARTS}
        for index, name in enumerate(self.CHARTS):
            grid.addWidget(self.views[name], *divmod(index, 3))
        layout.addLayout(grid)
        tables = QHBoxLayout()
        self.top_customers, self.top_referrers = TopCustomersModel(self), TopReferrersModel(self)
        for title, model in ((self.tr("Top customers in the period"), self.top_customers),
                             (self.tr("Top referrers"), self.top_referrers)):
            box = QGroupBox(title)
            view = rows_view(model)
            view.setMinimumHeight(200)
            view.setMaximumHeight(380)
            view.doubleClicked.connect(partial(self._customer_clicked, model))
            QVBoxLayout(box).addWidget(view)
            tables.addWidget(box)
        layout.addLayout(tables)
        self.definitions = QLabel()
        self.definitions.setWordWrap(True)
        self.definitions.setStyleSheet("color: #4a5968;")
        layout.addWidget(self.definitions)
        layout.addStretch()
        self.content = content
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(content)
        self.setCentralWidget(scroll)

    # -- the period -----------------------------------------------------------------------

    def today(self) -> dt.date:
        return self.fixed_today or dt.date.today()

    def choose_preset(self, preset: str) -> None:
        """Show the figures of a preset period ("months_3"…, see PRESETS)."""
        index = self.preset.findData(preset)
        if index == self.preset.currentIndex():
            self._preset_changed(index)
        else:
            self.preset.setCurrentIndex(index)

    def choose_dates(self, start: dt.date, end: dt.date) -> None:
        """Show the figures of the days from `start` to `end` (custom dates)."""
        self._set_dates(start, end)
        self._set_preset("custom")
        self.refresh()

    def period(self) -> reports.Period:
        """The period chosen (ValidationError when it ends before it starts)."""
        preset = self.preset.currentData()
        if preset != "custom":
            return preset_period(preset, self.today())
        return reports.Period(_pydate(self.start_edit.date()), _pydate(self.end_edit.date()))

    def _preset_changed(self, _index: int) -> None:
        preset = self.preset.currentData()
        if preset != "custom":
            QSettings().setValue(SETTING, preset)
            period = preset_period(preset, self.today())
            self._set_dates(period.start, period.end)
            self.refresh()

    def _dates_edited(self, _date) -> None:
        self._set_preset("custom")
        self._debounce.start()  # typing a date changes it digit by digit

    def _set_dates(self, start: dt.date, end: dt.date) -> None:
        for edit, day in ((self.start_edit, start), (self.end_edit, end)):
            edit.blockSignals(True)
            edit.setDate(_qdate(day))
            edit.blockSignals(False)

    def _set_preset(self, preset: str) -> None:
        self.preset.blockSignals(True)
        self.preset.setCurrentIndex(self.preset.findData(preset))
        self.preset.blockSignals(False)

    # -- computing ------------------------------------------------------------------------

    def refresh(self) -> None:
        """Compute the figures of the chosen period in the background, then show them."""
        self._debounce.stop()
        try:
            self._wanted = self.period()
        except KnownError as exc:
            self.status.setText(i18n.error_text(exc))
            return
        if self._job is not None and self._job.is_running():
            return  # shown when it ends: then the wanted period is computed
        self._start(self._wanted)

    def is_computing(self) -> bool:
        return self._job is not None and self._job.is_running()

    def _start(self, period: reports.Period) -> None:
        today = self.today()
        self.progress.show()
        self.status.setText(self.tr("Computing the figures…"))
        self._began = time.perf_counter()
        self._job = jobs.Job(self, self.tr("Computing the dashboard…"),
                             lambda _progress, _cancelled: reports.dashboard(period, today),
                             quiet=True).success(self._computed).failure(self._failed).start()

    def _computed(self, board: reports.Dashboard) -> None:
        if not shiboken6.isValid(self):
            return  # closed meanwhile
        if self._wanted is not None and board.period != self._wanted:
            self._start(self._wanted)  # the period changed while computing
            return
        seconds = time.perf_counter() - self._began
        self.progress.hide()
        self.show_board(board)
        self.status.setText(self.tr("{start} – {end}, computed in {seconds} s").format(
            start=i18n.date_text(board.period.start), end=i18n.date_text(board.period.end),
            seconds=decimal(seconds)))

    def _failed(self, exc: Exception) -> None:
        if not shiboken6.isValid(self):
            return
        self.progress.hide()
        if isinstance(exc, KnownError):
            self.status.setText(i18n.error_text(exc))
        else:
            log.error("dashboard figures failed", exc_info=exc)
            self.status.setText(self.tr("The figures could not be computed: {error}").format(
                error=exc))
        if self._wanted is not None and self.board is not None \
                and self._wanted != self.board.period:
            self._wanted = None

    # -- showing ------------------------------------------------------------------------

    def show_board(self, board: reports.Dashboard) -> None:
        """Draw every figure of `board` (on the GUI thread)."""
        self.board = board
        self.keys = {"segment": [k for k, _ in board.segments],
                     "value_tier": [k for k, _ in board.tiers],
                     "source": [k for k, _ in board.sources],
                     "province": [k for k, _ in board.provinces]}
        for name, chart in self.make_charts(board, clickable=True).items():
            old = self.views[name].chart()
            self.views[name].setChart(chart)
            if old is not None and shiboken6.isValid(old):
                old.deleteLater()
        definitions = self.definition_texts(board)
        for name, card in self.make_cards(board).items():
            self.cards[name].show_figure(card, definitions.get(name, ""))
        self.top_customers.set_rows(board.top_customers)
        self.top_referrers.set_rows(board.top_referrers)
        self.definitions.setText("\n".join(definitions.values()))
        self.updated.emit()

    def definition_texts(self, board: reports.Dashboard) -> dict[str, str]:
        def tr(text: str) -> str:
            return QCoreApplication.translate("reports", text)

        return {"repeat": tr(reports.REPEAT_RATE_DEFINITION),
                "retention": tr(reports.RETENTION_DEFINITION),
                "lapsed": tr(reports.LAPSED_DEFINITION).format(days=board.lapsed_after_days),
                "resolution": tr(reports.RESOLUTION_DEFINITION),
                "on_time": tr(reports.ON_TIME_DEFINITION)}

    def make_cards(self, board: reports.Dashboard) -> dict[str, export.Card]:
        repeat, retention = board.repeat, board.retention
        comp, care = board.complaints, board.care
        n = i18n.number
        return {
            "repeat": export.Card(self.tr("Repeat-purchase rate"), percent(repeat.rate),
                                  self.tr("{part} of {whole} customers who bought").format(
                                      part=n(repeat.repeaters), whole=n(repeat.buyers))),
            "retention": export.Card(self.tr("Retention rate"), percent(retention.rate),
                                     self.tr("{part} of {whole} customers of the start").format(
                                         part=n(retention.retained), whole=n(retention.at_start))),
            "complaints": export.Card(self.tr("Open complaints"), n(comp.unresolved),
                                      self.tr("{open} open, {busy} in progress").format(
                                          open=n(comp.open), busy=n(comp.in_progress))),
            "resolution": export.Card(
                self.tr("Average resolution time"),
                "–" if comp.average_days is None else self.tr("{days} days").format(
                    days=decimal(comp.average_days)),
                self.tr("{count} complaints resolved in the period").format(
                    count=n(comp.resolved))),
            "on_time": export.Card(self.tr("Care tasks done on time"), percent(care.on_time_rate),
                                   self.tr("{part} of {whole} done tasks").format(
                                       part=n(care.on_time), whole=n(care.done))),
        }

    def make_charts(self, board: reports.Dashboard, clickable: bool = False
                    ) -> dict[str, QChart]:
        """A new chart of each figure; `clickable`: a click on a part opens its list."""
        def click(axis: str):
            return partial(self.open_part, axis) if clickable else None

        customers = self.tr("Customers")
        segments = [(self._key_label("segment", k), v) for k, v in board.segments]
        tiers = [(self._key_label("value_tier", k), v) for k, v in board.tiers]
        sources = [(self._key_label("source", k), v) for k, v in board.sources]
        provinces = [(self._key_label("province", k), v) for k, v in board.provinces]
        unit, unit_name = self._money_unit(max((r.revenue for r in board.revenue), default=0))
        lapsed_tip = self.definition_texts(board)["lapsed"]
        care = board.care
        return {
            "segments": charts.pie(self.tr("Customers by segment (now)"), segments,
                                   click("segment"), self._count_tip(segments)),
            "tiers": charts.pie(self.tr("Customers by value tier (now)"), tiers,
                                click("value_tier"), self._count_tip(tiers)),
            "new_customers": charts.bars(
                self.tr("New customers per month"),
                [(month_text(k), v) for k, v in board.new_customers], value_title=customers,
                tooltip=self._count_tip([(month_text(k), v) for k, v in board.new_customers])),
            "revenue": charts.bars(
                self.tr("Revenue per month"),
                [(month_text(r.month), r.revenue / unit) for r in board.revenue],
                value_title=unit_name,
                decimals=1 if max((r.revenue for r in board.revenue), default=0) < 10 * unit
                else 0,
                tooltip=lambda i: self.tr("{month}: {money} in {count} purchases").format(
                    month=month_text(board.revenue[i].month),
                    money=i18n.money(board.revenue[i].revenue),
                    count=i18n.number(board.revenue[i].purchases)),
                color="#3aa57a"),
            "lapsed": charts.line(
                self.tr("Lapsed customers (more than {days} days)").format(
                    days=board.lapsed_after_days),
                [(month_text(k), v) for k, v in board.lapsed], value_title=customers,
                color="#d4544a", tooltip=lambda i: lapsed_tip),
            "ratings": charts.line(
                self.tr("Average rating per month"),
                [(month_text(r.month), r.average) for r in board.ratings],
                value_title=self.tr("Stars"), decimals=1, minimum=0, maximum=5,
                color="#e3a21a",
                tooltip=lambda i: self.tr("{month}: {stars} stars, {count} ratings").format(
                    month=month_text(board.ratings[i].month),
                    stars=decimal(board.ratings[i].average, 2),
                    count=i18n.number(board.ratings[i].ratings))
                if 0 <= i < len(board.ratings) else ""),
            "care": charts.bars(
                self.tr("Care tasks due in the period"),
                [(self.tr("On time"), care.on_time), (self.tr("Late"), care.late),
                 (self.tr("Overdue"), care.overdue)], value_title=self.tr("Tasks"),
                tooltip=lambda i: self.definition_texts(board)["on_time"], color="#2f6db5"),
            "sources": charts.bars(self.tr("Customers by source (now)"), sources,
                                   click("source"), horizontal=True,
                                   tooltip=self._count_tip(sources)),
            "provinces": charts.bars(self.tr("Customers by province (now)"), provinces,
                                     click("province"), horizontal=True,
                                     tooltip=self._count_tip(provinces)),
        }

    def _key_label(self, axis: str, key) -> str:
        if key is None:
            return {"segment": self.tr("Not computed yet"),
                    "value_tier": self.tr("No tier")}.get(axis, self.tr("Not recorded"))
        if key == reports.OTHERS:
            return self.tr("Others")
        field = CLICKABLE[axis]
        return label(field, key) if field else key

    @staticmethod
    def _count_tip(rows: list[tuple[str, int]]) -> Callable[[int], str]:
        return lambda index: f"{rows[index][0]}: {i18n.number(rows[index][1])}" \
            if 0 <= index < len(rows) else ""

    def _money_unit(self, top: int) -> tuple[int, str]:
        if top >= 1_000_000_000:
            return 1_000_000_000, self.tr("billion ₫")
        if top >= 1_000_000:
            return 1_000_000, self.tr("million ₫")
        if top >= 1_000:
            return 1_000, self.tr("thousand ₫")
        return 1, "₫"

    # -- clicks -------------------------------------------------------------------------

    def open_part(self, axis: str, index: int) -> None:
        """A bar or slice was clicked: ask for the customers it counts. "Others", "not
        recorded" and "not computed" have no list of their own."""
        keys = self.keys.get(axis, [])
        if not 0 <= index < len(keys):
            return
        key = keys[index]
        if key is None or key == reports.OTHERS:
            return
        titles = {"segment": self.tr("Segment: {name}"),
                  "value_tier": self.tr("Value tier: {name}"),
                  "source": self.tr("Source: {name}"),
                  "province": self.tr("Province: {name}")}
        self.filter_requested.emit({axis: [key]},
                                   titles[axis].format(name=self._key_label(axis, key)))

    def _customer_clicked(self, model, index) -> None:
        if index.isValid():
            self.customer_requested.emit(model.rows[index.row()].customer_id)

    # -- export and print ---------------------------------------------------------------

    def ask_save_path(self, title: str, default_name: str, kind: str, suffix: str
                      ) -> Path | None:
        """The file to write, or None (tests replace this)."""
        path, _ = QFileDialog.getSaveFileName(self, title, str(Path.home() / default_name), kind)
        if not path:
            return None
        return Path(path if path.lower().endswith(suffix) else path + suffix)

    def _file_name(self, suffix: str) -> str:
        period = self.board.period
        return f"bao-cao-{period.start.isoformat()}-{period.end.isoformat()}{suffix}"

    def export_xlsx(self, path: Path | str | None = None) -> Path | None:
        """The figures shown, one sheet per chart; the file written (None: cancelled)."""
        if self.board is None:
            return None
        path = path or self.ask_save_path(self.tr("Export the dashboard to Excel"),
                                          self._file_name(".xlsx"),
                                          self.tr("Excel workbook (*.xlsx)"), ".xlsx")
        if path is None:
            return None
        try:
            written = export.write_xlsx(self.board, path)
        except OSError as exc:
            self.status.setText(self.tr("Could not write {path}: {error}").format(
                path=path, error=exc.strerror or exc))
            return None
        self.status.setText(self.tr("Saved {name}").format(name=Path(written).name))
        return written

    def save_pdf(self, path: Path | str | None = None) -> Path | None:
        """The dashboard on two A4 landscape pages; the file written (None: cancelled)."""
        if self.board is None:
            return None
        path = path or self.ask_save_path(self.tr("Save the dashboard as PDF"),
                                          self._file_name(".pdf"),
                                          self.tr("PDF document (*.pdf)"), ".pdf")
        if path is None:
            return None
        try:
            self.paint_pages(export.pdf_writer(path, self.tr("Dashboard")))
        except OSError as exc:
            self.status.setText(str(exc))
            return None
        self.status.setText(self.tr("Saved {name}").format(name=Path(path).name))
        return Path(path)

    def print_board(self):
        """The print preview of the pages (printed from there); the dialog."""
        from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog

        from shopcrm.ui import printing

        if self.board is None:
            return None
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        export.set_up_a4_landscape(printer)
        dialog = QPrintPreviewDialog(printer, self)
        dialog.printer_ = printer
        dialog.paintRequested.connect(self.paint_pages)
        dialog.resize(1100, 800)
        printing.run_dialog(dialog)
        return dialog

    def paint_pages(self, device) -> int:
        board = self.board
        definitions = self.definition_texts(board)
        cards = self.make_cards(board)
        heading = self.tr("Dashboard")
        subheading = self.tr("{start} – {end} · printed {today}").format(
            start=i18n.date_text(board.period.start), end=i18n.date_text(board.period.end),
            today=i18n.date_text(dt.date.today()))
        tables = [export.Table(self.tr("Top customers in the period"),
                               self.top_customers.titles(),
                               self.top_customers.cells()),
                  export.Table(self.tr("Top referrers"), self.top_referrers.titles(),
                               self.top_referrers.cells())]
        return export.paint(device, heading, subheading, list(cards.values()),
                            lambda: list(self.make_charts(board).values()), tables,
                            list(definitions.values()))


def open_dashboard(parent: QWidget | None = None,
                   on_filter: Callable[[dict, str], None] | None = None,
                   on_customer: Callable[[int], None] | None = None) -> DashboardWindow:
    """Show the dashboard window of `parent` (made on first use, then raised and
    refreshed). `on_filter(spec, title)` receives the lists asked for by a click;
    `on_customer(id)` a customer double-clicked in the top tables."""
    existing = parent.findChild(DashboardWindow) if parent is not None else None
    if existing is not None:
        existing.refresh()
    else:
        existing = DashboardWindow(parent)
        if on_filter is not None:
            existing.filter_requested.connect(on_filter)
        if on_customer is not None:
            existing.customer_requested.connect(on_customer)
    existing.show()
    existing.raise_()
    existing.activateWindow()
    return existing
