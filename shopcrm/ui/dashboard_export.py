"""The dashboard on paper and in Excel: an A4 landscape page set, and an .xlsx workbook.

The figures come from core.reports (`sheets()` lays them out as tables); this module
only translates their names and keys and writes or paints them. The charts painted
are fresh QCharts the dashboard builds for the page, drawn through a QGraphicsScene
(vector, at the page's resolution), so what is printed does not depend on the size
of the window on screen.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, NamedTuple, Sequence

from PySide6.QtCharts import QChart
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import (QColor, QPagedPaintDevice, QPageLayout, QPageSize, QPainter,
                           QPdfWriter, QPen)
from PySide6.QtWidgets import QGraphicsScene

from shopcrm.core import reports
from shopcrm.ui.labels import label
from shopcrm.ui.printing import PDF_DPI, print_font

MARGINS_MM = QMarginsF(10, 10, 10, 10)
CHART_SIZE = QSizeF(520, 330)  # the logical size a chart is laid out at before scaling
COLUMNS = 3


class Card(NamedTuple):
    """A big number: "Retention rate", "73.2 %", "37,432 of 51,130 customers"."""

    title: str
    value: str
    note: str


class Table(NamedTuple):
    title: str
    headers: list[str]
    rows: list[list[str]]


# -- Excel -------------------------------------------------------------------------------

def _reports_tr(text: str) -> str:
    return QCoreApplication.translate("reports", text)


NOOP = QT_TRANSLATE_NOOP
CARE_OUTCOMES = {
    "on_time": NOOP("DashboardExport", "Done on time"),
    "late": NOOP("DashboardExport", "Done late"),
    "overdue": NOOP("DashboardExport", "Overdue"),
    "skipped": NOOP("DashboardExport", "Skipped"),
    "pending": NOOP("DashboardExport", "Not due yet"),
    "on_time_rate": NOOP("DashboardExport", "On-time rate"),
}
NO_KEY = {  # what a None key means on each sheet
    "Segments": NOOP("DashboardExport", "Not computed yet"),
    "Value tiers": NOOP("DashboardExport", "No tier"),
    "Sources": NOOP("DashboardExport", "Not recorded"),
    "Provinces": NOOP("DashboardExport", "Not recorded"),
}
OTHERS = NOOP("DashboardExport", "Others")
CHOICE_FIELDS = {"Segments": "funnel_segment", "Value tiers": "value_tier", "Sources": "source"}


def key_text(sheet: str, key) -> object:
    """A row's key as a reader wants it: the translated name of a choice."""
    def tr(text: str) -> str:
        return QCoreApplication.translate("DashboardExport", text)

    if key is None:
        return tr(NO_KEY.get(sheet, "Not recorded"))
    if key == reports.OTHERS:
        return tr(OTHERS)
    if sheet in CHOICE_FIELDS:
        return label(CHOICE_FIELDS[sheet], key)
    if sheet == "Care tasks":
        return tr(CARE_OUTCOMES.get(key, key))
    return key


RATE_ROWS = {"Repeat-purchase rate", "Retention rate", "on_time_rate"}
MONEY_HEADERS = {"Revenue (VND)", "Spent (VND)"}


def _sheet_name(text: str, used: set[str]) -> str:
    """A valid, unused Excel sheet name (31 characters, none of []:*?/\\)."""
    name = "".join("-" if char in "[]:*?/\\" else char for char in text)[:31] or "Sheet"
    base, number = name, 2
    while name.lower() in used:
        suffix = f" ({number})"
        name, number = base[:31 - len(suffix)] + suffix, number + 1
    used.add(name.lower())
    return name


def write_xlsx(board: reports.Dashboard, path: Path | str) -> Path:
    """One sheet per chart (reports.sheets), in the UI language; rates as percentages,
    money as whole VND with thousands separators."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for name, (headers, rows) in reports.sheets(board).items():
        sheet = book.create_sheet(_sheet_name(_reports_tr(name), used))
        sheet.append([_reports_tr(header) for header in headers])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            first = _reports_tr(row[0]) if name == "Summary" else key_text(name, row[0])
            sheet.append([first, *row[1:]])
            if row[0] in RATE_ROWS:
                sheet.cell(sheet.max_row, 2).number_format = "0.0%"
        for column, header in enumerate(headers, start=1):
            if header in MONEY_HEADERS:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
                    cell.number_format = "#,##0"
            if name == "Ratings" and header == "Average rating":
                for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
                    cell.number_format = "0.00"
            width = max([len(str(header))] + [len(str(r[column - 1])) for r in rows])
            sheet.column_dimensions[sheet.cell(1, column).column_letter].width = min(
                max(12, width + 2), 60)
    path = Path(path)
    book.save(path)
    return path


# -- paper -------------------------------------------------------------------------------

def set_up_a4_landscape(device: QPagedPaintDevice) -> None:
    device.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                     QPageLayout.Orientation.Landscape, MARGINS_MM,
                                     QPageLayout.Unit.Millimeter))


def pdf_writer(path: Path | str, title: str) -> QPdfWriter:
    writer = QPdfWriter(str(path))
    writer.setResolution(PDF_DPI)
    set_up_a4_landscape(writer)
    writer.setTitle(title)
    writer.setCreator("ShopCRM")
    return writer


def paint(device: QPagedPaintDevice, heading: str, subheading: str, cards: Sequence[Card],
          charts: Callable[[], list[QChart]], tables: Sequence[Table],
          notes: Sequence[str]) -> int:
    """Page 1: the heading, the big numbers and the charts (three columns); page 2: the
    tables and the definitions. The number of pages."""
    painter = QPainter(device)
    if not painter.isActive():
        raise OSError(QCoreApplication.translate("DashboardExport",
                                                 "The PDF file cannot be written."))
    try:
        body = device.pageLayout().paintRectPixels(device.resolution())
        width, height = float(body.width()), float(body.height())
        unit = device.resolution() / 72.0  # device pixels per point
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        top = _heading(painter, width, heading, subheading, unit)
        top = _cards(painter, QRectF(0, top, width, 46 * unit), cards, unit) + 8 * unit
        made = charts()
        _charts(painter, QRectF(0, top, width, height - top), made)
        device.newPage()
        top = _heading(painter, width, heading, subheading, unit)
        _tables(painter, QRectF(0, top, width, height - top), tables, notes, unit)
    finally:
        painter.end()
    return 2


def _heading(painter: QPainter, width: float, heading: str, subheading: str,
             unit: float) -> float:
    painter.setPen(QColor("#1d2b3a"))
    painter.setFont(print_font(15))
    height = 22 * unit
    painter.drawText(QRectF(0, 0, width, height), Qt.AlignmentFlag.AlignLeft
                     | Qt.AlignmentFlag.AlignVCenter, heading)
    painter.setFont(print_font(9.5))
    painter.drawText(QRectF(0, 0, width, height), Qt.AlignmentFlag.AlignRight
                     | Qt.AlignmentFlag.AlignVCenter, subheading)
    painter.setPen(QPen(QColor("#9aa7b4"), 0.8 * unit))
    painter.drawLine(0, round(height + 2 * unit), round(width), round(height + 2 * unit))
    return height + 8 * unit


def _cards(painter: QPainter, area: QRectF, cards: Sequence[Card], unit: float) -> float:
    if not cards:
        return area.top()
    gap = 6 * unit
    card_width = (area.width() - gap * (len(cards) - 1)) / len(cards)
    for index, card in enumerate(cards):
        box = QRectF(area.left() + index * (card_width + gap), area.top(), card_width,
                     area.height())
        painter.setPen(QPen(QColor("#c9d3dd"), 0.8 * unit))
        painter.setBrush(QColor("#f4f7fa"))
        painter.drawRoundedRect(box, 4 * unit, 4 * unit)
        inner = box.adjusted(6 * unit, 3 * unit, -6 * unit, -3 * unit)
        painter.setPen(QColor("#4a5968"))
        painter.setFont(print_font(8))
        painter.drawText(QRectF(inner.left(), inner.top(), inner.width(), 12 * unit),
                         Qt.AlignmentFlag.AlignLeft, card.title)
        painter.setPen(QColor("#1d2b3a"))
        painter.setFont(print_font(15))
        painter.drawText(QRectF(inner.left(), inner.top() + 11 * unit, inner.width(),
                                20 * unit), Qt.AlignmentFlag.AlignLeft, card.value)
        painter.setPen(QColor("#4a5968"))
        painter.setFont(print_font(7))
        painter.drawText(QRectF(inner.left(), inner.top() + 31 * unit, inner.width(),
                                10 * unit), Qt.AlignmentFlag.AlignLeft, card.note)
    return area.bottom()


def _charts(painter: QPainter, area: QRectF, charts: list[QChart]) -> None:
    rows = max(1, -(-len(charts) // COLUMNS))
    cell_width, cell_height = area.width() / COLUMNS, area.height() / rows
    scene = QGraphicsScene()
    for index, chart in enumerate(charts):
        scene.addItem(chart)
        chart.setGeometry(QRectF(0, 0, CHART_SIZE.width(), CHART_SIZE.height()))
        row, column = divmod(index, COLUMNS)
        target = QRectF(area.left() + column * cell_width, area.top() + row * cell_height,
                        cell_width, cell_height).adjusted(4, 4, -4, -4)
        scene.setSceneRect(chart.geometry())
        scene.render(painter, target, chart.geometry(), Qt.AspectRatioMode.KeepAspectRatio)
        scene.removeItem(chart)
    scene.clear()


def _tables(painter: QPainter, area: QRectF, tables: Sequence[Table], notes: Sequence[str],
            unit: float) -> None:
    gap = 12 * unit
    width = (area.width() - gap * (len(tables) - 1)) / max(1, len(tables))
    line = 13 * unit
    bottom = area.top()
    for index, table in enumerate(tables):
        left = area.left() + index * (width + gap)
        y = area.top()
        painter.setPen(QColor("#1d2b3a"))
        painter.setFont(print_font(11))
        painter.drawText(QRectF(left, y, width, line * 1.3), Qt.AlignmentFlag.AlignLeft,
                         table.title)
        y += line * 1.4
        shares = _column_shares(len(table.headers))
        for number, cells in enumerate([table.headers, *table.rows]):
            if number == 0:
                painter.setFont(print_font(8.5))
                painter.fillRect(QRectF(left, y, width, line), QColor("#e3eaf1"))
            else:
                painter.setFont(print_font(8.5))
                if number % 2 == 0:
                    painter.fillRect(QRectF(left, y, width, line), QColor("#f6f8fa"))
            x = left
            for column, text in enumerate(cells):
                cell_width = width * shares[column]
                align = (Qt.AlignmentFlag.AlignRight if column >= 2 else
                         Qt.AlignmentFlag.AlignLeft) | Qt.AlignmentFlag.AlignVCenter
                painter.drawText(QRectF(x + 3 * unit, y, cell_width - 6 * unit, line), align,
                                 painter.fontMetrics().elidedText(
                                     str(text), Qt.TextElideMode.ElideRight,
                                     int(cell_width - 6 * unit)))
                x += cell_width
            y += line
        bottom = max(bottom, y)
    y = bottom + 16 * unit
    painter.setFont(print_font(8))
    painter.setPen(QColor("#4a5968"))
    for note in notes:
        box = painter.boundingRect(QRectF(area.left(), y, area.width(), 200 * unit),
                                   Qt.TextFlag.TextWordWrap, note)
        painter.drawText(box, Qt.TextFlag.TextWordWrap, note)
        y += box.height() + 4 * unit


def _column_shares(count: int) -> list[float]:
    """Code, name (widest), then the numbers."""
    if count == 4:
        return [0.16, 0.44, 0.22, 0.18]
    return [1 / count] * count
