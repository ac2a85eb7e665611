"""An empty customer import template: the export's customer columns, an example row,
and drop-down lists for the fixed-choice columns, in the user's language.

The headers and choice labels are those of io.export, so the import maps the
columns and reads the choices back (io.mapping, io.normalize) with no user help.
The lists live on a hidden sheet: a label with a comma ("Bán buôn, bán lẻ")
cannot sit in an inline list. Row 2 is the example: overwrite or delete it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from shopcrm.io.export import (
    CUSTOMER_COLUMNS, DATE_FORMAT, DERIVED_FIELDS, LABELS, ExportError, _write_error,
    sheet_title,
)

# Fixed-choice columns offered as drop-down lists; the label dictionary of each.
CHOICE_COLUMNS = {
    "kind": "kind", "gender": "gender", "source": "source", "area": "area", "income": "income",
    "relation": "relation", "org_type": "org_type", "role_buyer": "bool", "role_user": "bool",
    "role_beneficiary": "bool",
}
TEXT_COLUMNS = ("code", "phone", "phone2", "zalo", "tax_code")  # a typed leading 0 stays
TEMPLATE_ROWS = 5_000  # rows the drop-down lists cover
LISTS_TITLE = {"vi": "Danh mục", "en": "Lists"}
_EXAMPLE = {
    "name": "Nguyễn Thị Hà", "phone": "0912345678", "email": "ha.nguyen@example.com",
    "birthday": dt.date(1990, 12, 25), "gender": "female", "kind": "individual",
    "honorific": "chị", "relation": "external", "role_buyer": True, "role_user": True,
    "role_beneficiary": False, "income": "medium", "area": "city",
    "address": "12 Lý Thường Kiệt", "ward": "Phường Hàng Bài", "district": "Quận Hoàn Kiếm",
    "province": "Hà Nội", "zalo": "0912345678", "source": "walk_in", "tags": "VIP|Áo dài",
    "notes": "Thích màu pastel",
}
_INPUT_TITLE = {"vi": "Chọn trong danh sách", "en": "Pick from the list"}


def template_columns():
    """The template's columns: the export's customer columns without the derived ones."""
    return [column for column in CUSTOMER_COLUMNS
            if column.field not in DERIVED_FIELDS and column.field != "created_at"]


def write_template(path: Path | str, language: str = "vi") -> Path:
    """Write the empty import template to `path` (.xlsx); ExportError when it cannot."""
    language = language if language in LABELS else "vi"
    labels = LABELS[language]
    columns = template_columns()
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title("customers", language)
    lists = workbook.create_sheet(LISTS_TITLE[language])
    lists.sheet_state = "hidden"
    bold = Font(bold=True)
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width
        header = sheet.cell(1, index, column.en if language == "en" else column.vi)
        header.font = bold
        example = sheet.cell(2, index, _example_value(column.field, labels))
        span = f"{letter}2:{letter}{TEMPLATE_ROWS + 1}"
        # Column styles apply to what the shop types in (no formatted empty cells).
        if column.kind == "date":
            example.number_format = sheet.column_dimensions[letter].number_format = DATE_FORMAT
        elif column.field in TEXT_COLUMNS:
            example.number_format = sheet.column_dimensions[letter].number_format = "@"
        if column.field in CHOICE_COLUMNS:
            sheet.add_data_validation(_choice_list(lists, index, header.value, span,
                                                   labels[CHOICE_COLUMNS[column.field]],
                                                   language))
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}2"
    path = Path(path)
    try:
        workbook.save(path)
    except OSError as exc:
        raise _write_error(path, exc) from exc
    return path


def _example_value(field: str, labels: dict):
    value = _EXAMPLE.get(field)
    if field in CHOICE_COLUMNS and value is not None:
        return labels[CHOICE_COLUMNS[field]][value]
    return value


def _choice_list(lists, index: int, header: str, span: str, choices: dict,
                 language: str) -> DataValidation:
    """A drop-down over `span`, its labels in column `index` of the hidden `lists` sheet."""
    letter = get_column_letter(index)
    lists.cell(1, index, header)
    shown = [label for label in choices.values() if label]
    for row, label in enumerate(shown, start=2):
        lists.cell(row, index, label)
    title = lists.title.replace("'", "''")
    validation = DataValidation(
        type="list", formula1=f"='{title}'!${letter}$2:${letter}${len(shown) + 1}",
        allow_blank=True, showDropDown=False, promptTitle=_INPUT_TITLE[language],
        prompt=", ".join(shown)[:255], showInputMessage=True, showErrorMessage=True)
    validation.add(span)
    return validation


__all__ = ["ExportError", "template_columns", "write_template"]
