"""What must happen to each file of the bad-input corpus (built by make_corpus.py).

A file is either REFUSED as a whole (a KnownError whose message says why, naming the
file, and the database unchanged), or READ (the listed rows rejected with a reason,
the others imported), or EITHER of the two when both are sound outcomes. Row numbers
are the spreadsheet's own (1-based, header and title rows counted).

Nothing here imports the application: it is the specification. A file the
application mishandles is a failing case until the application is fixed.
"""

from __future__ import annotations

from dataclasses import dataclass

REFUSED, READ, EITHER = "refused", "read", "either"

# Messages of readers.py (the part that must appear in the refusal).
NOT_EXCEL = "is not an Excel workbook or is damaged"
ENCRYPTED = "is protected by a password or is an old Excel 97-2003 file"
OLD_EXCEL = "is an old Excel 97-2003 file: open it in Excel and save it as .xlsx"
NOT_TEXT = "is not a CSV text file or is damaged"
NOT_UTF8 = "is not valid UTF-8 text; save the file again as CSV UTF-8"
UNCLOSED_QUOTE = "a quotation mark on line {line} is never closed"
EMPTY = "is empty: there are no customers to import"
UNSUPPORTED = "cannot be imported: choose a"
NO_NAME = "No column holds the customers' names"  # importer.py
NOT_VCARD = "is not a vCard contacts file or is damaged"  # vcard.py
VCARD_UNFINISHED = "never ends (END:VCARD is missing)"

EMOJI_NAME = "Hà 🌸 Shop Hoa 👩\u200d👩\u200d👧"
RTL_STORED = "Lê Thị Bảo"  # "Lê \u202eThị Bảo": the right-to-left override is removed
CONTROL_STORED = "Đỗ Văn Hùng"  # "Đỗ\x01 Văn\x07 Hùng": control characters are removed
HYPERLINK = '=HYPERLINK("http://evil.example/x","Bấm vào đây")'



@dataclass(frozen=True)
class Case:
    file: str
    why: str  # what is wrong with the file
    expect: str  # REFUSED, READ or EITHER
    message: str | None = None  # REFUSED: a part of the message that must appear
    names_file: bool = True  # REFUSED: the message names the file
    mentions: tuple[str, ...] = ()  # REFUSED: further words the message must contain
    by_reader: bool = True  # REFUSED: read_table itself refuses it (not only plan_import)
    rejected: tuple[int, ...] | None = None  # READ: exactly these rows rejected (None: unchecked)
    valid: int | None = None  # READ: this many rows valid (None: unchecked)
    names: tuple[str, ...] = ()  # READ: customers that must be stored with exactly this name


CASES: tuple[Case, ...] = (
    # -- workbooks that are not workbooks --------------------------------------------
    Case("text_named.xlsx", "a CSV text file named .xlsx", REFUSED, NOT_EXCEL),
    Case("truncated.xlsx", "a workbook cut in half (download interrupted)", REFUSED, NOT_EXCEL),
    Case("zip_not_workbook.xlsx", "a zip of a text file and a picture", REFUSED, NOT_EXCEL),
    Case("html_table.xlsx", "an HTML table, as web systems 'export to Excel'", REFUSED, NOT_EXCEL),
    Case("encrypted.xlsx", "an OLE compound file, as Excel saves a password-protected .xlsx",
         REFUSED, ENCRYPTED),
    Case("empty.xlsx", "0 bytes", REFUSED, EMPTY),
    Case("no_data.xlsx", "two sheets, no cell filled", REFUSED, EMPTY),
    Case("title_only.xlsx", "a merged title row and nothing else", REFUSED, EMPTY),
    Case("headers_only.xlsx", "a title and the header row, no customer", REFUSED, EMPTY),
    Case("no_known_header.xlsx", "data under headers 'Cột A', 'Cột B', 'Cột C'", REFUSED,
         NO_NAME, mentions=("Cột A, Cột B, Cột C",), by_reader=False),
    Case("old_format.xls", "Excel 97-2003 (.xls) is not supported: save it as .xlsx", REFUSED,
         OLD_EXCEL),
    # -- workbooks with bad cells ------------------------------------------------------
    Case("duplicate_headers.xlsx", "two name, three phone and two email columns", READ,
         rejected=(), valid=2, names=("Nguyễn Văn An", "Trần Thị Bình")),
    Case("bad_cells.xlsx",
         "phones with letters / too short / too long, 31/02/2020, a birthday in 2099, 'abc', "
         "serials 99999999, 3,000,000 (date-formatted) and -1, an email without @, gender "
         "'Không biết', a DDE formula as phone text, a real formula with no cached value; "
         "valid: a =HYPERLINK name as text, emoji, NFD, an RTL override (removed), serial "
         "33000, a phone that lost its 0; a total row",
         READ, rejected=(4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 17), valid=7,
         names=("Nguyễn Thị Thu Hà", HYPERLINK, EMOJI_NAME, "Nguyễn Thị Hà", RTL_STORED,
                "Mai Văn Tài", "Chu Thị Uyên")),
    Case("huge_number_cell.xlsx", "a birthday cell holding a 400-digit integer", READ,
         rejected=(2,), valid=1, names=("Trần Thị Bình",)),
    # -- CSVs --------------------------------------------------------------------------
    Case("empty.csv", "0 bytes", REFUSED, EMPTY),
    Case("bom_only.csv", "a UTF-8 BOM and nothing else", REFUSED, EMPTY),
    Case("blank_lines.csv", "empty lines, delimiters only", REFUSED, EMPTY),
    Case("headers_only.csv", "the header line only", REFUSED, EMPTY),
    Case("utf16_no_bom.csv", "UTF-16 LE, tab-separated, without BOM", READ, rejected=(),
         valid=3, names=("Nguyễn Thị Thu Hà", "Trần Đức Bình", "Lê Thị Ánh Tuyết")),
    Case("nul_in_utf16.csv", "UTF-16 with a U+0000 inside a name: removed", READ, rejected=(),
         valid=2, names=("NguyễnVăn An", "Trần Thị Bình")),
    Case("invalid_utf8.csv", "UTF-8 with bytes valid in neither UTF-8 nor Windows-1258 on "
         "line 3", REFUSED, NOT_UTF8, mentions=("line 3",)),
    Case("mixed_encoding.csv", "UTF-8 with one Latin-1 row (line 4): valid Windows-1258, but "
         "read so, every Vietnamese name would be garbled ('Nguyá»…n VÄƒn Anh')", REFUSED,
         NOT_UTF8, mentions=("line 4",)),
    Case("concatenated.csv", "two exports joined: a BOM and a header line in the middle",
         READ, rejected=(3,), valid=2, names=("Nguyễn Văn An", "Trần Thị Bình")),
    Case("nul_bytes.csv", "NUL bytes in a UTF-8 file", REFUSED, NOT_TEXT),
    Case("mixed_line_endings.csv", "CRLF, LF and CR in one file; line 4 has a bad phone",
         READ, rejected=(4,), valid=3, names=("Nguyễn Văn An", "Trần Thị Bình", "Phạm Thị Dung")),
    Case("unbalanced_quotes.csv", "a quote opened on line 2 and never closed: read as it "
         "is, the rest of the file would be ONE customer named by all the lines", REFUSED,
         UNCLOSED_QUOTE.format(line=2)),
    Case("png_named.csv", "a PNG picture renamed .csv", REFUSED, NOT_TEXT),
    Case("xlsx_named.csv", "a workbook renamed .csv", REFUSED, NOT_TEXT),
    Case("bad_cells.csv",
         "phone with letters, 31/02/2020, 01/01/2099, 'abc', an email without @, gender "
         "'Không biết', a DDE formula as phone, '99999999' as a date, a short phone; valid: "
         "control characters and an RTL override (both removed), =HYPERLINK as text, NFD, "
         "emoji",
         READ, rejected=(3, 4, 5, 6, 7, 8, 11, 15, 16), valid=6,
         names=("Phạm Văn Long", HYPERLINK, RTL_STORED, "Nguyễn Thị Hà", EMOJI_NAME,
                CONTROL_STORED)),
    Case("unsafe_rejects.csv", "rejected rows holding a DDE formula, =HYPERLINK, @SUM and "
         "control characters (see also the rejects-file test)", READ, rejected=(2, 3, 4, 5),
         valid=1, names=("Lê Thị Bình",)),
    Case("superscript_digit.csv", "names with '²' and '③' (digits to str.isdigit, not to int)",
         READ, rejected=(), valid=3,
         names=("Nhà hàng Mặt Trời²", "Trần Thị Bình", "Tiệm bánh ③ Chị Em")),
    Case("long_values.csv", "a 10,000-character name, a 400-character address", READ,
         rejected=(2, 3), valid=1, names=("Lê Văn Cường",)),
    Case("huge_field.csv", "a 2 MB cell on line 2, among the lines the delimiter guess reads "
         "(generated by the test)", REFUSED, NOT_TEXT),
    Case("huge_field_late.csv", "a 2 MB cell on line 30 (generated by the test)", REFUSED,
         NOT_TEXT),
    # -- vCard --------------------------------------------------------------------------
    Case("contacts.vcf", "a phone's vCard 3.0 export", READ, rejected=(), valid=1,
         names=("Nguyễn Thị Thu Hà",)),
    Case("truncated.vcf", "a vCard 2.1 export cut short inside a quoted-printable name",
         REFUSED, VCARD_UNFINISHED, mentions=("line 6",)),
    Case("csv_named.vcf", "a CSV file named .vcf", REFUSED, NOT_VCARD),
    Case("bad_contacts.vcf", "contacts with a phone '12ab' and a birthday 1990-02-31", READ,
         rejected=(6, 11), valid=2, names=("Phạm Thị Dung", "Vũ Thị Giang")),
    # -- neither ------------------------------------------------------------------------
    Case("khach_hang.numbers", "an Apple Numbers file", REFUSED, UNSUPPORTED,
         mentions=(".xlsx", ".csv")),
    Case("khach_hang", "no suffix at all", REFUSED, UNSUPPORTED, mentions=(".xlsx", ".csv")),
)
