"""Printed summaries and the list: PDFs with Vietnamese text, one page per customer, the
list's header on every page; the window's commands. The PDF text is read back by a small
pure-Python reader of what Qt writes (no poppler, no pypdf)."""

from __future__ import annotations

import datetime as dt
import re
import zlib
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget

from shopcrm.core import customers, feedback, interactions, purchases
from shopcrm.db.models import CareTask
from shopcrm.ui import printing


# -- reading back the PDF Qt wrote ------------------------------------------------------

def _objects(data: bytes) -> dict[int, bytes]:
    return {int(m.group(1)): m.group(2)
            for m in re.finditer(rb"(\d+) 0 obj\s*(.*?)endobj", data, re.S)}


def _stream(body: bytes) -> bytes:
    head, rest = body.split(b"stream", 1)
    raw = rest[rest.index(b"\n") + 1:rest.rindex(b"endstream")]
    return zlib.decompress(raw) if b"FlateDecode" in head else raw


def _ref(body: bytes, key: bytes) -> int:
    return int(re.search(rb"/" + key + rb"\s+(\d+) 0 R", body).group(1))


def _cmap(text: bytes) -> dict[int, str]:
    """A ToUnicode CMap: glyph code -> text (bfchar, bfrange with arrays or starts)."""
    mapping: dict[int, str] = {}
    hexes = lambda s: [int(h, 16) for h in re.findall(rb"<([0-9A-Fa-f]+)>", s)]  # noqa: E731
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", text, re.S):
        values = hexes(block)
        for code, uni in zip(values[::2], values[1::2]):
            mapping[code] = chr(uni)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", text, re.S):
        for line in block.strip().splitlines():
            values = hexes(line)
            if b"[" in line:
                for offset, uni in enumerate(values[2:]):
                    mapping[values[0] + offset] = chr(uni)
            elif len(values) == 3:
                for offset in range(values[1] - values[0] + 1):
                    mapping[values[0] + offset] = chr(values[2] + offset)
    return mapping


def pdf_pages_text(path: Path) -> list[str]:
    """The text of each page, runs joined by spaces, whitespace collapsed."""
    objects = _objects(Path(path).read_bytes())
    pages_root = next(body for body in objects.values() if b"/Type /Pages" in body)
    kids = [int(k) for k in re.findall(rb"(\d+) 0 R", pages_root.split(b"/Kids", 1)[1]
                                         .split(b"]", 1)[0])]
    pages = []
    for kid in kids:
        page = objects[kid]
        resources = objects[_ref(page, b"Resources")]
        fonts = {name: _cmap(_stream(objects[_ref(objects[int(ref)], b"ToUnicode")]))
                 for name, ref in re.findall(rb"/(F\d+) (\d+) 0 R", resources)}
        content = _stream(objects[_ref(page, b"Contents")])
        text, font = [], {}
        for token in re.finditer(rb"/(F\d+) [\d.]+ Tf|<([0-9A-Fa-f]+)> Tj|\bBT\b", content):
            if token.group(1):
                font = fonts[token.group(1)]
            elif token.group(2):
                code = token.group(2)
                text += [font.get(int(code[i:i + 4], 16), "?") for i in range(0, len(code), 4)]
            else:
                text.append(" ")
        pages.append(" ".join("".join(text).split()))
    return pages


# -- data -------------------------------------------------------------------------------

def rich_customer(name: str = "Nguyễn Thị Thu Hà") -> int:
    """A customer with every part of the page filled, and longer than a page allows."""
    customer = customers.create({
        "name": name, "phone": "0912345678", "phone2": "0987654321",
        "email": "thuha@example.vn", "gender": "female", "birthday": dt.date(1988, 3, 8),
        "address": "12 Đường Lê Lợi " * 5, "ward": "Phường Bến Nghé", "district": "Quận 1",
        "province": "TP. Hồ Chí Minh", "tags": [f"nhãn {n}" for n in range(12)],
        "notes": "\n".join(f"Dòng ghi chú số {n}: khách thích áo dài lụa tơ tằm màu đỏ "
                           "và hay mua quà tặng dịp lễ Tết." for n in range(30))})
    for number in range(12):
        purchases.add_purchase(customer.id, dt.date(2024, 1, 1 + number), 1_250_000,
                               "Áo dài lụa tơ tằm thêu tay, giao tận nhà " * 8)
        interactions.add_interaction(customer.id, "call", "Gọi điện hỏi thăm khách " * 12)
        feedback.add_feedback(customer.id, "praise", rating=5, comment="Rất hài lòng " * 20)
        CareTask.create(customer=customer.id, task_type="custom", title="Gọi lại " * 24,
                        due_date=dt.date(2030, 1, 1 + number))
    return customer.id


def _writer_page(tmp_path):
    writer = printing.pdf_writer(tmp_path / "probe.pdf", "probe")
    return writer, printing._body(writer)


# -- tests ------------------------------------------------------------------------------

def test_the_font_is_bundled_with_its_licence_and_registered(qapp):
    for name in printing.FONT_FILES + ("LICENSE-DejaVu.txt",):
        assert (printing.FONTS / name).is_file(), name
    assert printing.print_family() == "DejaVu Sans"


@pytest.mark.parametrize("language", ["vi", "en"])
def test_summary_pdf_holds_the_vietnamese_name_in_the_embedded_font(qapp, db, tmp_path,
                                                                       language):
    customer_id = rich_customer("Đặng Thị Ngọc Ánh")
    out = tmp_path / "summary.pdf"
    assert printing.write_summaries_pdf([customer_id], out, language) == 1
    data = out.read_bytes()
    assert b"/BaseFont /DejaVuSans" in data and b"/FontFile2" in data  # embedded
    [page] = pdf_pages_text(out)
    assert "Đặng Thị Ngọc Ánh" in page
    assert "KH000001" in page and "0912 345 678" in page
    assert ("Tổng tiền đã mua" if language == "vi" else "Total spent") in page


def test_a_batch_writes_one_page_per_customer(qapp, db, tmp_path):
    names = ["Nguyễn Văn Ất", "Trần Thị Bưởi", "Lê Hoàng Yến"]
    ids = [rich_customer(names[0])] + [customers.create({"name": n}).id for n in names[1:]]
    out = tmp_path / "batch.pdf"
    assert printing.write_summaries_pdf(ids, out, "vi") == 3
    pages = pdf_pages_text(out)
    assert len(pages) == 3
    for name, page in zip(names, pages):
        assert name in page


def test_the_fullest_customer_fits_one_page(qapp, db, tmp_path):
    customer_id = rich_customer()
    writer, page = _writer_page(tmp_path)
    document = printing.one_page(writer, printing.summary_html(customer_id), page)
    assert document.pageCount() == 1


def test_the_list_repeats_its_header_and_numbers_its_pages(qapp, db, tmp_path):
    ids = [customers.create({"name": f"Khách hàng số {n}", "phone": f"0912{n:06d}"}).id
           for n in range(130)]
    out = tmp_path / "list.pdf"
    pages = printing.print_list_pdf(ids, out, "en")
    assert pages >= 3
    texts = pdf_pages_text(out)
    assert len(texts) == pages
    for number, text in enumerate(texts, 1):
        assert "Code Name Phone Segment Last purchase Total spent" in text, number
        assert f"Page {number} / {pages}" in text
    assert "Khách hàng số 0" in texts[0] and "Khách hàng số 129" in texts[-1]


def test_save_summaries_pdf_asks_the_file_and_writes_in_the_background(
        qtbot, db, tmp_path, monkeypatch):
    ids = [customers.create({"name": "Hồ Thị Xuân"}).id, customers.create({"name": "Bùi Đức"}).id]
    out = tmp_path / "chosen.pdf"
    monkeypatch.setattr(printing, "ask_pdf_path", lambda parent, title, name: out)
    parent = QWidget()
    qtbot.addWidget(parent)
    done = []
    job = printing.save_summaries_pdf(parent, ids, on_done=done.append)
    qtbot.waitUntil(lambda: not job.is_running(), timeout=20_000)
    assert done == [out] and len(pdf_pages_text(out)) == 2

    list_out = tmp_path / "list.pdf"
    monkeypatch.setattr(printing, "ask_pdf_path", lambda parent, title, name: list_out)
    job = printing.save_list_pdf(parent, ids)
    qtbot.waitUntil(lambda: not job.is_running(), timeout=20_000)
    assert "Hồ Thị Xuân" in pdf_pages_text(list_out)[0]

    monkeypatch.setattr(printing, "ask_pdf_path", lambda parent, title, name: None)
    assert printing.save_summaries_pdf(parent, ids) is None  # cancelled: nothing runs


def test_preview_shows_one_page_per_customer(qtbot, db, monkeypatch):
    from PySide6.QtPrintSupport import QPrintPreviewWidget

    ids = [customers.create({"name": f"Khách {n}"}).id for n in range(3)]
    monkeypatch.setattr(printing, "run_dialog", lambda dialog: dialog.show())
    parent = QWidget()
    qtbot.addWidget(parent)
    dialog = printing.preview_summaries(parent, ids)
    preview = dialog.findChild(QPrintPreviewWidget)
    qtbot.waitUntil(lambda: preview.pageCount() == 3)
    dialog.close()
