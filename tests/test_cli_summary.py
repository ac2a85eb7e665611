"""`shopcrm summary` writes the window's summaries into one PDF, without a display."""

from __future__ import annotations

from shopcrm import cli
from shopcrm.core import customers
from shopcrm.db import connection
from ui.test_printing import pdf_pages_text


def test_summary_writes_one_page_per_customer(qapp, db, db_url, tmp_path, capsys):
    # qapp: the session's QApplication exists, as the command finds it beside other tests
    for name in ("Nguyễn Thị Thu Hà", "Trần Văn Đức", "Lê Thị Ánh"):
        customers.create({"name": name})
    connection.close()
    out = tmp_path / "codes.pdf"
    assert cli.main(["--db", db_url, "summary", "KH000002", "kh000001", "--pdf", str(out),
                     "--lang", "vi"]) == 0
    assert "2 summaries written" in capsys.readouterr().out
    pages = pdf_pages_text(out)
    assert len(pages) == 2 and "Trần Văn Đức" in pages[0] and "Nguyễn Thị Thu Hà" in pages[1]

    assert cli.main(["--db", db_url, "summary", "--all", "--pdf", str(out)]) == 0
    assert len(pdf_pages_text(out)) == 3
    assert cli.main(["--db", db_url, "summary", "--search", "anh", "--pdf", str(out),
                     "--lang", "en"]) == 0
    assert ["Lê Thị Ánh" in page for page in pdf_pages_text(out)] == [True]

    assert cli.main(["--db", db_url, "summary", "KH000003", "KH999999",
                     "--pdf", str(out)]) == 1  # written, but one code is unknown
    assert "KH999999" in capsys.readouterr().err
    assert cli.main(["--db", db_url, "summary", "--search", "không có ai",
                     "--pdf", str(tmp_path / "none.pdf")]) == 1
    assert not (tmp_path / "none.pdf").exists()
