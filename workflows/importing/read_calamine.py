"""Reading .ods (LibreOffice, WPS) and old .xls (Excel 97–2003) workbooks with python-calamine.

calamine loads the first sheet whole (it has no streaming reader), which is fine for what arrives in these
formats (district lists, not the million-row feeds, which come as CSV or .xlsx). Values come typed: numbers
as floats (3.0, which the cleaners read as 3), dates as dates, empty cells as "". calamine drops leading
empty columns; they are put back so that column letters in the report are the sheet's.

Hidden rows and merged cells:
- .ods: calamine tells neither, so content.xml is scanned (streaming, iterparse) for rows with
  table:visibility="collapse" (hidden by hand) or "filter" (an autofilter's), and for cells spanning rows
  or columns. Hidden rows are skipped with a notice naming each, as for .xlsx (read_xlsx.py says why);
  merged cells in the header or data are refused, merged title rows above the header are fine.
- .xls: neither calamine nor any reader kept here can tell hidden rows or merged cells in a BIFF file, so
  an .xls is read as if every row were visible; the report says so (XLS_NOTICE) and recommends .xlsx.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from workflows.importing.table import FileProblem, Table, find_header

_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
XLS_NOTICE = ("旧版Excel（.xls）文件无法识别隐藏的行和合并单元格：隐藏的行也会被导入。"
              "请核对导入结果；建议另存为Excel工作簿（.xlsx）后再导入")


def open_ods(path: Path, looks_like_header: Callable[[Sequence], bool]) -> Table:
    try:
        hidden, merged = scan_ods(path)
    except (zipfile.BadZipFile, KeyError, ET.ParseError):
        raise FileProblem("文件不是有效的OpenDocument表格（.ods）文件，可能已损坏") from None
    return _open(path, looks_like_header, "ods", hidden, merged)


def open_xls(path: Path, looks_like_header: Callable[[Sequence], bool]) -> Table:
    return _open(path, looks_like_header, "xls", set(), [])


def _open(path: Path, looks_like_header, file_format: str, hidden: set[int], merged: list[int]) -> Table:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        sheet = book.get_sheet_by_index(0) if book.sheet_names else None
    except Exception:  # calamine raises its own kinds (CalamineError, PasswordError, ZipError …)
        raise FileProblem("无法读取该表格文件（可能已损坏或已加密）：请另存为Excel工作簿（.xlsx）后再导入") from None
    if sheet is None:
        raise FileProblem("表格文件中没有工作表")
    found, _looks_right = find_header(_rows(sheet), looks_like_header)
    if found.header is None:
        raise FileProblem("文件为空：第一个工作表没有内容")
    inside = [row for row in merged if row >= found.line]
    if inside:
        shown = "、".join(f"第{row}行" for row in inside[:5]) + ("等" if len(inside) > 5 else "")
        raise FileProblem(f"第一个工作表的表头或数据中含有合并单元格（{shown}）：合并后只有左上角的格子有值，"
                          "请取消合并并把每一行填写完整后再导入", line=inside[0])
    end = sheet.end[0] + 1 if sheet.end else found.line
    state = {"line": found.line}

    def counted() -> Iterator[tuple[int, Sequence]]:
        for line, values in found.rows:
            state["line"] = line
            yield line, values

    return Table(header=list(found.header), header_line=found.line, rows=counted(), total_rows=end - found.line,
                 fraction=lambda: min(state["line"] / end, 1.0) if end else 1.0, file_format=file_format,
                 skipped=found.skipped, hidden=frozenset(row for row in hidden if row <= end))


def _rows(sheet) -> Iterator[tuple[int, Sequence]]:
    pad = [""] * (sheet.start[1] if sheet.start else 0)
    for line, values in enumerate(sheet.iter_rows(), start=1):
        yield line, pad + values if pad else values


def scan_ods(path: Path) -> tuple[set[int], list[int]]:
    """The hidden rows and the rows with merged cells of the first table in content.xml."""
    hidden: set[int] = set()
    merged: list[int] = []
    row, depth = 0, 0
    with zipfile.ZipFile(path) as archive, archive.open("content.xml") as stream:
        for event, element in ET.iterparse(stream, events=("start", "end")):
            tag = element.tag
            if tag == f"{_TABLE}table":
                depth += 1 if event == "start" else -1
                if event == "end" and depth == 0:
                    break  # the first sheet only
                continue
            if depth != 1 or event != "end":
                continue
            if tag in (f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell"):
                spans = (element.get(f"{_TABLE}number-rows-spanned"), element.get(f"{_TABLE}number-columns-spanned"))
                if any(s not in (None, "1") for s in spans) and row + 1 not in merged:
                    merged.append(row + 1)
            elif tag == f"{_TABLE}table-row":
                repeated = int(element.get(f"{_TABLE}number-rows-repeated") or 1)
                if element.get(f"{_TABLE}visibility") in ("collapse", "filter") and repeated <= 100_000:
                    hidden.update(range(row + 1, row + repeated + 1))
                row += repeated
                element.clear()
    return hidden, merged
