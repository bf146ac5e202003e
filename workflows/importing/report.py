"""The run's report as .xlsx: sheet 问题 (行号, 列, 值, 问题); sheet 警告 for figures that are valid but
implausible (they refuse the file unless the officer imports with 仅导入无误的行, plausible.py); sheet 提示
for notices an officer should read although nothing was refused (a changed 组织形式, rows skipped as title,
hidden or totals rows, columns ignored, what a CSV cannot hold). A sheet with nothing to say is left out,
but 问题, which the page reads first.

openpyxl's write-only mode streams rows to disk, so a report of a file where every row is wrong costs
memory for one row. More than REPORT_LIMIT problems are counted but not listed: nobody reads past that,
and the first ones usually show the pattern (a column in the wrong unit, a wrong sheet).
"""

from __future__ import annotations

from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill

REPORT_LIMIT = 20_000
HEADERS = ("行号", "列", "值", "问题")
WIDTHS = (8, 22, 30, 90)
_FONT = Font(bold=True)
_FILL = PatternFill("solid", fgColor="DDEBF7")


def write_report(target, problems: Iterable[tuple], notices: Iterable[tuple] = (), *, total_problems: int | None = None,
                 limit: int = REPORT_LIMIT, warnings: Iterable[tuple] = ()) -> None:
    """`problems` / `warnings` / `notices`: (line, column, value, message) tuples in line order."""
    book = Workbook(write_only=True)
    _sheet(book, "问题", problems, total_problems, limit)
    for title, rows in (("警告", warnings), ("提示", notices)):
        rows = iter(rows)
        first = next(rows, None)
        if first is not None:
            _sheet(book, title, _chain(first, rows), None, limit)
    book.save(target)


def _chain(first, rest):
    yield first
    yield from rest


def _sheet(book, title: str, rows: Iterable[tuple], total: int | None, limit: int) -> None:
    sheet = book.create_sheet(title)
    for index, width in enumerate(WIDTHS):
        sheet.column_dimensions["ABCD"[index]].width = width
    sheet.freeze_panes = "A2"
    header = []
    for name in HEADERS:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font, cell.fill = _FONT, _FILL
        header.append(cell)
    sheet.append(header)
    written = 0
    for line, column, value, message in rows:
        if written >= limit:
            break
        sheet.append([line, *(_cell(sheet, v) for v in (column, value, message))])
        written += 1
    if total is not None and total > written:
        sheet.append([None, None, None, f"（共 {total:,} 个问题，仅列出前 {written:,} 个）"])


def _cell(sheet, value):
    """Always text (a cell value like "=1+1" must not become a formula), without characters Excel refuses."""
    if value is None:
        return None
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", str(value))[:32_767])
    cell.data_type = "s"
    return cell
