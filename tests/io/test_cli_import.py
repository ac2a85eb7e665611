"""`shopcrm import` and `shopcrm export` from a shell: flags, --dry-run, --json, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from shopcrm import cli
from shopcrm.core import customers
from shopcrm.db import connection
from shopcrm.db.models import ALL_MODELS, Customer, ImportBatch, Purchase
from shopcrm.db.session import open_database


@pytest.fixture
def url(db, db_url):
    """The test database, closed so that the command opens it itself."""
    customers.create({"name": "Nguyễn Văn An", "phone": "0912345678"})
    connection.close()
    return db_url


def counts(url: str) -> dict[str, int]:
    open_database(url)
    try:
        return {model.__name__: model.select().count() for model in ALL_MODELS}
    finally:
        connection.close()


def customers_csv(tmp_path: Path) -> Path:
    path = tmp_path / "khach.csv"
    path.write_text("Họ tên,Điện thoại,Email\n"
                    "Nguyễn Văn An,0912 345 678,an@example.vn\n"
                    "Trần Thị Bình,0987654321,\n"
                    "Sai Số,12ab,\n", encoding="utf-8")
    return path


def run(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_dry_run_says_what_would_happen_and_writes_nothing(url, tmp_path, capsys):
    before = counts(url)
    code, out, _ = run(capsys, "--db", url, "import", str(customers_csv(tmp_path)),
                       "--on-duplicate", "update", "--dry-run", "--json")
    assert code == 1  # a row is rejected
    report = json.loads(out)
    assert {k: report[k] for k in ("created", "updated", "skipped", "rejected")} == {
        "created": 1, "updated": 1, "skipped": 0, "rejected": 1}
    assert report["dry_run"] is True and report["batch"] is None
    assert report["rejected_rows"][0]["row"] == 4 and "12ab" in report["rejected_rows"][0][
        "reasons"][0]
    assert counts(url) == before


def test_import_with_json_prints_one_object_and_writes_rejects(url, tmp_path, capsys):
    rejects = tmp_path / "loi.xlsx"
    code, out, _ = run(capsys, "--db", url, "import", str(customers_csv(tmp_path)),
                       "--duplicates", "update", "--rejects", str(rejects), "--json")
    assert code == 1
    report = json.loads(out)  # one JSON object, nothing else on stdout
    assert (report["created"], report["updated"], report["rejected"]) == (1, 1, 1)
    assert report["kind"] == "customers" and report["rejects_file"] == str(rejects)
    sheet = openpyxl.load_workbook(rejects).active
    assert [c.value for c in sheet[2]][:2] == ["Sai Số", "12ab"]
    open_database(url)
    try:
        assert ImportBatch.get_by_id(report["batch"]).rows_created == 1
        assert Customer.get(Customer.phone == "0912345678").email == "an@example.vn"
    finally:
        connection.close()


def test_skip_is_the_default_and_plain_output_is_one_line(url, tmp_path, capsys):
    code, out, _ = run(capsys, "--db", url, "import", str(customers_csv(tmp_path)))
    assert code == 1
    assert out.splitlines()[0] == "created 1, updated 0, skipped 1, rejected 1"


def test_purchases_kind(url, tmp_path, capsys):
    path = tmp_path / "mua.csv"
    path.write_text("SĐT,Ngày,Số tiền,Mô tả\n0912345678,12/03/2025,\"1.250.000 đ\",Áo\n"
                    "0900000000,12/03/2025,100000,Nón\n", encoding="utf-8")
    code, out, _ = run(capsys, "--db", url, "import", str(path), "--kind", "purchases", "--json")
    report = json.loads(out)
    assert (code, report["kind"], report["created"], report["rejected"]) == (1, "purchases", 1, 1)
    open_database(url)
    try:
        assert [p.amount for p in Purchase.select()] == [1_250_000]
    finally:
        connection.close()


def test_a_vcard_imports_from_the_command_line(url, tmp_path, capsys):
    path = tmp_path / "danh_ba.vcf"
    path.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Lê Thị Hoa\r\nTEL:0903000001\r\n"
                    "END:VCARD\r\n", encoding="utf-8")
    code, out, _ = run(capsys, "--db", url, "import", str(path), "--json")
    assert (code, json.loads(out)["created"]) == (0, 1)


@pytest.mark.parametrize("name,content,message", [
    ("khach.xlsx", b"Ho ten,Dien thoai\n", "khach.xlsx is not an Excel workbook or is damaged."),
    ("cu.xls", b"\xd0\xcf\x11\xe0", "cu.xls is an old Excel 97-2003 file"),
    ("rong.csv", b"", "rong.csv is empty: there are no customers to import."),
])
def test_an_unreadable_file_exits_non_zero_with_the_sentence_on_stderr(
        url, tmp_path, capsys, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    before = counts(url)
    code, out, err = run(capsys, "--db", url, "import", str(path), "--json")
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err
    assert counts(url) == before


def test_export_with_json(url, tmp_path, capsys):
    target = tmp_path / "xuat.xlsx"
    code, out, _ = run(capsys, "--db", url, "export", str(target), "--json")
    assert code == 0 and json.loads(out) == {
        "file": str(target), "customers": 1, "exported": 1,
        "sheets": {"customers": 1, "purchases": 0, "interactions": 0, "feedback": 0,
                   "care_tasks": 0}}
    assert target.exists()
