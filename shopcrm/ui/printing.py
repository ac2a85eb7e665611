"""Printing customer summaries and the customer list: preview, printer and PDF.

io.summary makes the HTML (Qt-free); here it is laid out on A4 pages with
QTextDocument and painted onto a QPrinter (preview, print) or a QPdfWriter (PDF).

- Summaries: one page per customer. A page that would overflow is laid out
  again in a smaller font; what still does not fit is cut at the page's end,
  so one customer is always exactly one page.
- The list: one table, its header row repeated at the top of every page
  (<thead>, QTextTableFormat.headerRowCount), the shop's name above it and
  "page n / N" below.

The text is set in DejaVu Sans, bundled in shopcrm/resources/fonts (every
Vietnamese letter, Bitstream Vera licence beside it) and registered with
QFontDatabase before printing, so a PDF made on a computer without that font
shows Vietnamese correctly (Qt embeds the glyphs it uses).

Only QtGui is needed to write PDFs (the command line has no widgets); the
dialogs (preview, print, file name) are imported where used.
"""

from __future__ import annotations

import datetime as dt
import logging
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable, Sequence

from PySide6.QtCore import QCoreApplication, QLocale, QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import (QFont, QFontDatabase, QPagedPaintDevice, QPageLayout, QPageSize,
                           QPainter, QPdfWriter, QPen, QTextDocument)

from shopcrm.core import settings
from shopcrm.core.errors import QT_TRANSLATE_NOOP
from shopcrm.io import summary
from shopcrm.ui import i18n
from shopcrm.ui.labels import label

log = logging.getLogger(__name__)

FONTS = Path(__file__).resolve().parents[1] / "resources" / "fonts"
FONT_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
FAMILY = "DejaVu Sans"
POINT_SIZES = (9.5, 8.5, 7.5)  # a summary that overflows one page tries the next size
LIST_POINT_SIZE = 8.5
MARGINS_MM = QMarginsF(14, 12, 14, 12)  # left, top, right, bottom
PDF_DPI = 300

PAGE = QT_TRANSLATE_NOOP("printing", "Page {page} / {pages}")

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]

_registered: list[str] = []
_keep: list = []


class PrintCancelled(Exception):
    """The user cancelled while pages were being written (the file is incomplete)."""


def print_family() -> str:
    """The font family printing uses: the bundled DejaVu Sans, registered on first use."""
    if not _registered:
        for name in FONT_FILES:
            font_id = QFontDatabase.addApplicationFont(str(FONTS / name))
            if font_id < 0:
                log.warning("could not load the printing font %s", FONTS / name)
                continue
            _registered.extend(QFontDatabase.applicationFontFamilies(font_id))
        if not _registered:  # the system's default font: Vietnamese may miss glyphs
            _registered.append(QFont().family())
    return FAMILY if FAMILY in _registered else _registered[0]


def print_font(point_size: float) -> QFont:
    font = QFont(print_family())
    font.setPointSizeF(point_size)
    font.setStyleHint(QFont.StyleHint.SansSerif)
    return font


# -- what goes on the pages -------------------------------------------------------------

def _translate(text: str) -> str:
    return QCoreApplication.translate("summary", text)


def _decimal(value: float) -> str:
    return QLocale().toString(float(value), "f", 1)


def summary_html(customer_id: int, shop_name: str | None = None,
                 today: dt.date | None = None) -> str:
    """One customer's page in the current language (what the preview and PDF show)."""
    return summary.customer_summary_html(
        customer_id, _translate, i18n.money, i18n.date_text, label, decimal=_decimal,
        shop_name=shop_name, today=today)


def list_html(customer_ids: Sequence[int]) -> str:
    return summary.customer_list_html(summary.list_rows(customer_ids), _translate,
                                      i18n.money, i18n.date_text, label)


@contextmanager
def language(code: str | None):
    """Print in `code` ("vi", "en"; None: the current language), then switch back."""
    current = i18n.current_language()
    if code is None or code == current:
        yield
        return
    i18n.install(code)
    try:
        yield
    finally:
        i18n.install(current)


# -- laying out and painting ------------------------------------------------------------

def set_up_a4(device: QPagedPaintDevice) -> None:
    device.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                     QPageLayout.Orientation.Portrait, MARGINS_MM,
                                     QPageLayout.Unit.Millimeter))


def pdf_writer(path: Path | str, title: str) -> QPdfWriter:
    writer = QPdfWriter(str(path))
    writer.setResolution(PDF_DPI)
    set_up_a4(writer)
    writer.setTitle(title)
    writer.setCreator("ShopCRM")
    return writer


def _body(device: QPagedPaintDevice) -> QSizeF:
    """The printable area in device pixels (the painter's origin is its top left)."""
    rect = device.pageLayout().paintRectPixels(device.resolution())
    return QSizeF(rect.width(), rect.height())


def _document(device, html: str, point_size: float, page: QSizeF) -> QTextDocument:
    document = QTextDocument()
    document.documentLayout().setPaintDevice(device)  # lengths and fonts at its resolution
    document.setDefaultFont(print_font(point_size))
    document.setDocumentMargin(0)
    document.setPageSize(page)
    document.setHtml(html)
    return document


def one_page(device, html: str, page: QSizeF) -> QTextDocument:
    """The summary laid out on one page: in a smaller font when the first overflows."""
    for size in POINT_SIZES:
        document = _document(device, html, size, page)
        if document.pageCount() <= 1:
            return document
    return document  # still too long: the end is cut off when painted


def paint_summaries(device: QPagedPaintDevice, customer_ids: Iterable[int],
                    progress: Progress | None = None,
                    cancelled: Cancelled | None = None) -> int:
    """Paint one page per customer onto `device` (a QPrinter or QPdfWriter); the count."""
    ids = list(customer_ids)
    shop_name = settings.get("shop_name") or ""
    today = dt.date.today()
    page = _body(device)
    painter = QPainter()
    if not painter.begin(device):
        raise OSError("cannot write to the printer or file")
    try:
        for number, customer_id in enumerate(ids):
            if cancelled and cancelled():
                raise PrintCancelled()
            if number:
                device.newPage()
            document = one_page(device, summary_html(customer_id, shop_name, today), page)
            document.drawContents(painter, QRectF(0, 0, page.width(), page.height()))
            if progress and number % 10 == 0:
                progress(number, len(ids))
    finally:
        painter.end()
    if progress:
        progress(len(ids), len(ids))
    return len(ids)


def paint_list(device: QPagedPaintDevice, customer_ids: Sequence[int],
               progress: Progress | None = None) -> int:
    """Paint the list, a header line and page numbers on every page; the page count."""
    size = _body(device)
    scale = device.resolution() / 72  # device pixels per point
    band, footer = 22 * scale, 16 * scale
    body = QSizeF(size.width(), size.height() - band - footer)
    document = _document(device, list_html(customer_ids), LIST_POINT_SIZE, body)
    pages = document.pageCount()
    top = f"{settings.get('shop_name') or ''}"
    title = (f"{_translate(summary.LIST_TITLE)} · {len(customer_ids)} · "
             f"{i18n.date_text(dt.date.today())}")
    painter = QPainter()
    if not painter.begin(device):
        raise OSError("cannot write to the printer or file")
    try:
        for index in range(pages):
            if index:
                device.newPage()
            _paint_band(painter, size.width(), band, footer, size.height(), top, title,
                        QCoreApplication.translate("printing", PAGE).format(
                            page=index + 1, pages=pages))
            painter.save()
            painter.translate(0, band - index * body.height())
            document.drawContents(painter, QRectF(0, index * body.height(),
                                                  body.width(), body.height()))
            painter.restore()
            if progress:
                progress(index + 1, pages)
    finally:
        painter.end()
    return pages


def _paint_band(painter: QPainter, width: float, band: float, footer: float, height: float,
                left: str, right: str, page_text: str) -> None:
    bold = print_font(11)
    bold.setBold(True)
    painter.setFont(bold)
    painter.drawText(QRectF(0, 0, width, band * 0.8),
                     Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, left)
    painter.setFont(print_font(LIST_POINT_SIZE))
    painter.drawText(QRectF(0, 0, width, band * 0.8),
                     Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, right)
    painter.setPen(QPen(Qt.GlobalColor.gray, band / 60))
    painter.drawLine(0, int(band * 0.85), int(width), int(band * 0.85))
    painter.setPen(Qt.GlobalColor.black)
    painter.drawText(QRectF(0, height - footer, width, footer),
                     Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, page_text)


# -- PDF files (the window's "Save as PDF" and the command line) -------------------------

def ensure_application(lang: str | None = None):
    """A QGuiApplication for the command line (offscreen: no display needed), speaking
    `lang` or the window's language; an existing application is left as it is."""
    from PySide6.QtGui import QGuiApplication

    from shopcrm import APP_NAME

    app = QCoreApplication.instance()
    if app is not None:
        return app
    app = QGuiApplication(["shopcrm", "-platform", "offscreen"])
    _keep.append(app)  # alive until the process ends: Qt objects need it to the last
    QCoreApplication.setOrganizationName(APP_NAME)
    QCoreApplication.setApplicationName(APP_NAME)
    i18n.install(i18n.chosen_language(lang))
    return app


def write_summaries_pdf(customer_ids: Iterable[int], path: Path | str,
                        language_code: str | None = None, progress: Progress | None = None,
                        cancelled: Cancelled | None = None) -> int:
    """One PDF, one A4 page per customer; the number of pages. Needs a QGuiApplication."""
    with language(language_code):
        writer = pdf_writer(path, _translate(summary.TITLE))
        return paint_summaries(writer, customer_ids, progress, cancelled)


def print_list_pdf(customer_ids: Sequence[int], path: Path | str,
                   language_code: str | None = None,
                   progress: Progress | None = None) -> int:
    """The one-line-per-customer list as a PDF; the number of pages."""
    with language(language_code):
        writer = pdf_writer(path, _translate(summary.LIST_TITLE))
        return paint_list(writer, list(customer_ids), progress)


# -- the window's commands --------------------------------------------------------------

def _printer():
    from PySide6.QtPrintSupport import QPrinter

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    set_up_a4(printer)
    return printer


def run_dialog(dialog) -> int:
    """Show a modal dialog (tests replace this)."""
    return dialog.exec()


def ask_pdf_path(parent, title: str, default_name: str) -> Path | None:
    """The PDF file to write, or None when cancelled (tests replace this)."""
    from PySide6.QtWidgets import QFileDialog

    path, _ = QFileDialog.getSaveFileName(
        parent, title, str(Path.home() / default_name),
        QCoreApplication.translate("printing", "PDF document (*.pdf)"))
    if not path:
        return None
    return Path(path if path.lower().endswith(".pdf") else path + ".pdf")


def _preview(parent, paint: Callable[[object], None]):
    from PySide6.QtPrintSupport import QPrintPreviewDialog

    printer = _printer()
    dialog = QPrintPreviewDialog(printer, parent)
    dialog.printer_ = printer  # the dialog does not own it: keep it alive as long
    dialog.paintRequested.connect(paint)
    dialog.resize(900, 1000)
    run_dialog(dialog)
    return dialog


def preview_summaries(parent, customer_ids: Sequence[int]):
    """Print preview of the customers' summaries (printing from there); the dialog."""
    ids = list(customer_ids)
    return _preview(parent, lambda printer: paint_summaries(printer, ids))


def print_summaries(parent, customer_ids: Sequence[int]) -> bool:
    """The print dialog, then the summaries on the chosen printer; False if cancelled."""
    from PySide6.QtPrintSupport import QPrintDialog

    printer = _printer()
    if run_dialog(QPrintDialog(printer, parent)) != QPrintDialog.DialogCode.Accepted:
        return False
    paint_summaries(printer, list(customer_ids))
    return True


def preview_list(parent, customer_ids: Sequence[int]):
    """Print preview of the one-line-per-customer list; the dialog."""
    ids = list(customer_ids)
    return _preview(parent, lambda printer: paint_list(printer, ids))


def print_list(parent, customer_ids: Sequence[int]):
    """The list printout: shown in the print preview, printed from there."""
    return preview_list(parent, customer_ids)


def save_summaries_pdf(parent, customer_ids: Sequence[int],
                       on_done: Callable[[Path], None] | None = None):
    """Ask a file name, then write the summaries in the background; the job (None if
    cancelled). `on_done(path)` runs on the GUI thread when the file is written."""
    title = QCoreApplication.translate("printing", "Save summaries as PDF")
    name = "tom-tat-khach-hang.pdf"
    return _save(parent, title, name, lambda path, progress, cancelled: write_summaries_pdf(
        customer_ids, path, None, progress, cancelled), on_done)


def save_list_pdf(parent, customer_ids: Sequence[int],
                  on_done: Callable[[Path], None] | None = None):
    """Ask a file name, then write the list in the background; the job (None if cancelled)."""
    title = QCoreApplication.translate("printing", "Save the customer list as PDF")
    return _save(parent, title, "danh-sach-khach-hang.pdf",
                 lambda path, progress, cancelled: print_list_pdf(
                     customer_ids, path, None, progress), on_done)


def _save(parent, title: str, default_name: str, write, on_done):
    from shopcrm.ui import jobs

    path = ask_pdf_path(parent, title, default_name)
    if path is None:
        return None
    def work(progress, cancelled):
        try:
            write(path, progress, cancelled)
        except PrintCancelled:
            path.unlink(missing_ok=True)  # half a file is no use
            raise
        return path

    job = jobs.Job(parent, title, work)
    if on_done is not None:
        job.success(on_done)
    if hasattr(parent, "show_error"):
        job.failure(lambda exc: None if isinstance(exc, PrintCancelled) else parent.show_error(exc))
    return job.start()


# -- the day's call sheet (care schedule) ----------------------------------------------

CALL_SHEET_TITLE = QT_TRANSLATE_NOOP("printing", "Call sheet")
CALL_SHEET_HEADERS = (QT_TRANSLATE_NOOP("printing", "Customer"),
                      QT_TRANSLATE_NOOP("printing", "Phone"),
                      QT_TRANSLATE_NOOP("printing", "Due"),
                      QT_TRANSLATE_NOOP("printing", "Message"),
                      QT_TRANSLATE_NOOP("printing", "Notes"))
NOTHING_DUE = QT_TRANSLATE_NOOP("printing", "Nothing overdue or due today.")
CALL_SHEET_WIDTHS = (17, 12, 9, 38, 24)  # per cent; the notes column left blank to write in


def call_sheet_html(rows, today: dt.date) -> str:
    """Today's tasks (overdue first within each type) as one table, a title row per task
    type; the header row (<thead>) is repeated on every page."""
    from html import escape

    from shopcrm.core import phones
    from shopcrm.db.models import TASK_TYPE_CHOICES

    def tr(text: str) -> str:
        return QCoreApplication.translate("printing", text)

    head = "".join(f"<th align='left' bgcolor='#e8eaed' width='{width}%'>{escape(tr(text))}</th>"
                   for text, width in zip(CALL_SHEET_HEADERS, CALL_SHEET_WIDTHS))
    groups: dict[str, list] = {}
    for row in rows:
        groups.setdefault(row.task_type, []).append(row)
    order = sorted(groups, key=lambda t: (TASK_TYPE_CHOICES.index(t)
                                          if t in TASK_TYPE_CHOICES else len(TASK_TYPE_CHOICES)))
    body = []
    for task_type in order:
        tasks = groups[task_type]
        body.append(f"<tr><td colspan='5' bgcolor='#f4f6f8'><b>"
                    f"{escape(label('task_type', task_type))} ({len(tasks)})</b></td></tr>")
        for row in tasks:
            due = escape(i18n.date_text(row.due_date))
            if row.overdue(today):
                due = f"<font color='#b3261e'>{due}</font>"
            who = f"<br/><i>{escape(row.assigned_to)}</i>" if row.assigned_to else ""
            body.append(
                f"<tr><td><b>{escape(row.customer_name)}</b><br/>{escape(row.customer_code)}"
                f"{who}</td><td>{escape(phones.format_phone(row.phone))}</td><td>{due}</td>"
                f"<td>{escape(row.message)}</td><td>&nbsp;<br/>&nbsp;</td></tr>")
    if not rows:
        nothing = escape(tr(NOTHING_DUE))
        body.append(f"<tr><td colspan='5'>{nothing}</td></tr>")
    return ("<html><body><table width='100%' cellspacing='0' cellpadding='4' border='1' "
            "style='border-collapse: collapse; border-color: #9aa0a6;'>"
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></body></html>")


def paint_call_sheet(device: QPagedPaintDevice, today: dt.date,
                     progress: Progress | None = None) -> int:
    """Paint the day's call sheet (care.sheet): the shop's name, title, date and count on
    every page, page numbers below; the page count."""
    from shopcrm.core import care

    rows = care.sheet(today)
    size = _body(device)
    scale = device.resolution() / 72
    band, footer = 22 * scale, 16 * scale
    body = QSizeF(size.width(), size.height() - band - footer)
    document = _document(device, call_sheet_html(rows, today), LIST_POINT_SIZE, body)
    pages = document.pageCount()
    title = (f"{QCoreApplication.translate('printing', CALL_SHEET_TITLE)} · "
             f"{i18n.date_text(today)} · {len(rows)}")
    painter = QPainter()
    if not painter.begin(device):
        raise OSError("cannot write to the printer or file")
    try:
        for index in range(pages):
            if index:
                device.newPage()
            _paint_band(painter, size.width(), band, footer, size.height(),
                        settings.get("shop_name") or "", title,
                        QCoreApplication.translate("printing", PAGE).format(
                            page=index + 1, pages=pages))
            painter.save()
            painter.translate(0, band - index * body.height())
            document.drawContents(painter, QRectF(0, index * body.height(),
                                                  body.width(), body.height()))
            painter.restore()
            if progress:
                progress(index + 1, pages)
    finally:
        painter.end()
    return pages


def write_call_sheet_pdf(path: Path | str, today: dt.date | None = None,
                         language_code: str | None = None,
                         progress: Progress | None = None) -> int:
    """The day's call sheet as an A4 PDF; the number of pages. Needs a QGuiApplication."""
    with language(language_code):
        writer = pdf_writer(path, QCoreApplication.translate("printing", CALL_SHEET_TITLE))
        return paint_call_sheet(writer, today or dt.date.today(), progress)


def print_call_sheet(parent, today: dt.date | None = None):
    """The call sheet in the print preview (printed from there); the dialog."""
    day = today or dt.date.today()
    return _preview(parent, lambda printer: paint_call_sheet(printer, day))


def save_call_sheet_pdf(parent, today: dt.date | None = None,
                        on_done: Callable[[Path], None] | None = None):
    """Ask a file name, then write the call sheet in the background; the job (None if
    cancelled)."""
    day = today or dt.date.today()
    title = QCoreApplication.translate("printing", "Save the call sheet as PDF")
    return _save(parent, title, f"danh-sach-cham-soc-{day.isoformat()}.pdf",
                 lambda path, progress, cancelled: write_call_sheet_pdf(path, day, None, progress),
                 on_done)
