"""The command line shares the window's code: search prints what the search box finds."""

from __future__ import annotations

import json

from shopcrm import cli
from shopcrm.core import customers
from shopcrm.db import connection


def test_search_prints_matches_as_lines_and_json(db, db_url, capsys):
    customers.create({"name": "Nguyễn Thị Thu Hà", "phone": "0912345678"})
    customers.create({"name": "Trần Văn Đức", "phone": "0987654321"})
    connection.close()
    assert cli.main(["--db", db_url, "search", "nguyen ha"]) == 0
    assert capsys.readouterr().out.splitlines() == ["KH000001\tNguyễn Thị Thu Hà\t0912 345 678"]
    assert cli.main(["--db", db_url, "search", "654321", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {"code": "KH000002", "name": "Trần Văn Đức", "phone": "0987 654 321"}]
    assert cli.main(["--db", db_url, "search", "không có ai"]) == 1
