"""The one .xlsx writer every download goes through: list pages, background exports, `flask export`.

openpyxl's write-only mode streams each row into a temporary file as it comes, so an export of the
whole city costs memory for one row, not for the sheet; the finished workbook is spooled (in memory
while small, on disk beyond that) and handed to the WSGI server in chunks.

What a downloaded sheet looks like, whoever exports it: a bold Chinese header row that stays in view
(frozen) when scrolling, columns wide enough for their content, dates as Excel dates (sortable and
filterable in Excel, not text), money and counts as numbers. Text is always written as text: a firm
name typed as "=HYPERLINK(...)" stays a name and never becomes a formula in the officer's Excel.

Excel holds 1,048,576 rows per sheet. A longer list goes on in further sheets (企业名录(1), 企业名录(2) …),
each with the header, so the whole list opens in an office suite with every code (USCC, district,
industry) a text cell; `X-Export-Sheets` says how many.
"""

import contextlib
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

from flask import Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from workflows import exporting

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXCEL_MAX_TEXT = 32_767
SPOOL_IN_MEMORY = 8 * 1024 * 1024
NUMBER_FORMATS = {"int": "0", "money": "#,##0.00", "date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm"}
DEFAULT_WIDTHS = {"text": 16, "int": 10, "money": 14, "date": 12, "datetime": 17}
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)


@dataclass(frozen=True)
class Column:
    """One column: its Chinese header, how its values are written, its width in characters."""

    header: str
    kind: str = "text"  # text | int | money | date | datetime
    width: float | None = None

    def __post_init__(self):
        if self.kind not in DEFAULT_WIDTHS:
            raise ValueError(f"unknown column kind {self.kind!r}")

    @property
    def display_width(self) -> float:
        # A CJK character takes two Latin character widths in Excel.
        return self.width or max(DEFAULT_WIDTHS[self.kind], 2 * len(self.header) + 2)


@dataclass(frozen=True)
class ExportResult:
    rows: int  # data rows written, headers not counted
    truncated: bool = False  # kept for the job record: a workbook now holds every row, over several sheets
    sheets: int = 1


def sheet_name(title: str, number: int | None) -> str:
    """企业名录, or 企业名录(2) when a list runs over several sheets (within Excel's 31 characters)."""
    suffix = f"({number})" if number else ""
    return _sheet_title(title)[:31 - len(suffix)] + suffix


def write_xlsx(target, columns: Sequence[Column], rows: Iterable[Sequence], *, title: str = "导出",
               max_rows: int | None = None) -> ExportResult:
    """Write the list to `target` (a path or a binary file object): one sheet, or as many as it needs.

    Past Excel's rows per sheet (`workflows.exporting.EXCEL_MAX_ROWS`, the header included; tests lower it)
    the list goes on in a next sheet, 企业名录(2), with the header repeated: an office suite opens the
    whole list with the codes intact, where a CSV would turn an all-digit USCC into 9.13301068594825E+17.
    `rows` may be a generator; it is consumed once, row by row.
    """
    capacity = (max_rows or exporting.EXCEL_MAX_ROWS) - 1
    if capacity < 1:
        raise ValueError("max_rows must leave room for the header and a row")
    workbook = Workbook(write_only=True)
    sheets = [_new_sheet(workbook, columns, sheet_name(title, None))]
    written = 0
    try:
        for row in rows:
            if written and written % capacity == 0:
                if len(sheets) == 1:
                    sheets[0].title = sheet_name(title, 1)
                sheets.append(_new_sheet(workbook, columns, sheet_name(title, len(sheets) + 1)))
            sheets[-1].append(_row_cells(sheets[-1], columns, row))
            written += 1
    except BaseException:
        for sheet in sheets:
            _discard(sheet)
        raise
    workbook.save(target)
    return ExportResult(written, False, len(sheets))


def _new_sheet(workbook, columns: Sequence[Column], name: str):
    """A sheet with its widths, frozen bold header: every sheet of a long list reads like the first."""
    sheet = workbook.create_sheet(title=name)
    for index, column in enumerate(columns, 1):  # write-only sheets take widths before the first row only
        sheet.column_dimensions[get_column_letter(index)].width = column.display_width
    sheet.freeze_panes = "A2"
    sheet.append([_header_cell(sheet, column.header) for column in columns])
    return sheet


def _discard(sheet) -> None:
    """A failed export (a bad value, a database error mid-stream) leaves no temporary file behind:
    openpyxl would otherwise keep the half-written sheet on disk until the process exits."""
    with contextlib.suppress(Exception):
        sheet.close()
    writer = getattr(sheet, "_writer", None)
    if writer is not None:
        with contextlib.suppress(OSError, ValueError):
            writer.cleanup()


def xlsx_response(filename: str, columns: Sequence[Column], rows: Iterable[Sequence], *, title: str = "导出",
                  ascii_filename: str = "export.xlsx", max_rows: int | None = None) -> Response:
    """The workbook as a download named `filename` (Chinese welcome)."""
    # Not a `with`: the open file goes out with the response; `_chunks` closes it once sent (or abandoned).
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115
    try:
        result = write_xlsx(spool, columns, rows, title=title, max_rows=max_rows)
        size = spool.tell()
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    response = Response(_chunks(spool), mimetype=XLSX_MIMETYPE, direct_passthrough=True)
    response.content_length = size
    response.headers["Content-Disposition"] = content_disposition(filename, ascii_filename)
    response.headers["Cache-Control"] = "no-store"  # the data is scoped to the user who asked for it
    response.headers["X-Export-Rows"] = str(result.rows)
    response.headers["X-Export-Sheets"] = str(result.sheets)
    return response


def _chunks(file, size: int = 64 * 1024) -> Iterator[bytes]:
    try:
        while chunk := file.read(size):
            yield chunk
    finally:
        file.close()


def content_disposition(filename: str, ascii_filename: str = "export.xlsx") -> str:
    """`attachment` with an ASCII fallback and the real name per RFC 5987 / RFC 6266 (`filename*=UTF-8''`).

    Every current browser uses `filename*`; the plain `filename` is for clients that do not.
    """
    fallback = re.sub(r"[^A-Za-z0-9._-]", "_", ascii_filename) or "export.xlsx"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _sheet_title(title: str) -> str:
    """Excel refuses sheet names over 31 characters or with any of []:*?/\\ in them."""
    return re.sub(r"[\[\]:*?/\\]", "_", title)[:31] or "Sheet1"


def _header_cell(sheet, text: str) -> WriteOnlyCell:
    cell = _text_cell(sheet, text)
    cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, HEADER_ALIGNMENT
    return cell


def _text_cell(sheet, value) -> WriteOnlyCell:
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))[:EXCEL_MAX_TEXT]
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # openpyxl would make a string starting with "=" a formula
    cell.number_format = "@"  # and Text: a code edited in the office suite stays text, not 9.13E+17
    return cell


def _row_cells(sheet, columns: Sequence[Column], row: Sequence) -> list:
    if len(row) != len(columns):
        raise ValueError(f"row has {len(row)} values for {len(columns)} columns")
    return [_cell(sheet, column.kind, value) for column, value in zip(columns, row, strict=True)]


def _cell(sheet, kind: str, value):
    if value is None or value == "":
        return None
    if kind == "text":
        return _text_cell(sheet, value)
    if kind in ("date", "datetime"):
        if not isinstance(value, datetime if kind == "datetime" else date):
            raise TypeError(f"a {kind} column got {value!r}")
        value = exporting.shown_time(kind, value)
    elif kind == "money":
        value = _number(value, Decimal)
    else:
        value = _number(value, int)
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = NUMBER_FORMATS[kind]
    return cell


def _number(value, kind):
    """Money arrives as Decimal (or as the text audit evidence keeps it); never as a float in the file."""
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number here")
    if isinstance(value, int | Decimal) and kind is Decimal:
        return value
    try:
        return kind(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise TypeError(f"not a number: {value!r}") from None
