"""Reading an .xlsx workbook's first sheet: openpyxl in read-only mode, streamed row by row (data_only: a
formula is read by the value Excel cached when it last saved the file). Line numbers are Excel's rows.

Read-only mode sees neither merged ranges nor hidden rows, so the sheet's XML is first scanned straight
from the zip, streaming, for both (`scan_sheet`):
- a merged cell in the header or the data is refused: only its top-left cell carries the value, and the
  rows under it would import blank. Merges above the header (a title row merged across the columns, as
  nearly every government sheet has) are fine: those rows are skipped.
- hidden rows (an autofilter's, or hidden by hand) are skipped, each with a notice in the report naming the
  row. Skipping rather than refusing the file: what an officer sees in the sheet is what they mean to
  import (a filtered list is how a district's part of a city file is picked), but it must never happen
  silently, so the report says which rows were left out and how to include them.

python-calamine reads .xlsx faster, but it sees no hidden rows and loads the whole sheet into memory, so it
reads only the formats openpyxl cannot (.ods, .xls: read_calamine.py). openpyxl does keep the
shared-strings table in memory; large files are better sent as CSV.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from workflows.importing.table import FileProblem, Table, find_header

_SCAN_RE = re.compile(rb"<(?:\w+:)?(?:mergeCell\s[^>]*?ref=\"([A-Z]+\d+(?::[A-Z]+\d+)?)\""
                      rb"|row\s([^>]*?\shidden=\"(?:1|true)\"[^>]*)>)")
_ROW_NUMBER = re.compile(rb"(?:^|\s)r=\"(\d+)\"")
_LAST_ROW = re.compile(r"(\d+)$")
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"


def open_xlsx(path: Path, looks_like_header: Callable[[Sequence], bool]) -> Table:
    from openpyxl import load_workbook

    try:
        merged, hidden = scan_sheet(path)
    except (zipfile.BadZipFile, KeyError, ET.ParseError, StopIteration):
        raise FileProblem("文件不是有效的Excel（.xlsx）文件，可能已损坏") from None
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise FileProblem(f"无法读取Excel文件：{exc}") from None
    try:
        sheets = book.worksheets
        if not sheets:
            raise FileProblem("Excel文件中没有工作表")
        sheet = sheets[0]
        found, looks_right = find_header(_sheet_rows(sheet), looks_like_header)
        if not looks_right:
            _refuse_other_sheet(sheets, looks_like_header, first_empty=found.header is None)
        if found.header is None:
            raise FileProblem("文件为空：第一个工作表没有内容")
        _refuse_merges(merged, found.line)
        end = sheet.max_row if isinstance(sheet.max_row, int) and sheet.max_row else None
    except BaseException:
        book.close()
        raise
    state = {"line": found.line}

    def counted() -> Iterator[tuple[int, Sequence]]:
        for line, values in found.rows:
            state["line"] = line
            yield line, values

    return Table(header=list(found.header), header_line=found.line, rows=counted(),
                 total_rows=end - found.line if end else None,
                 fraction=lambda: min(state["line"] / end, 1.0) if end else 0.0, closers=[book.close],
                 file_format="xlsx", skipped=found.skipped, hidden=frozenset(hidden))


def _refuse_merges(merged: list[str], header_line: int) -> None:
    """Merged ranges reaching the header or the data (title rows above the header may be merged)."""
    inside = [ref for ref in merged if int(_LAST_ROW.search(ref).group(1)) >= header_line]
    if inside:
        shown = "、".join(inside[:5]) + ("等" if len(inside) > 5 else "")
        raise FileProblem(f"第一个工作表的表头或数据中含有合并单元格（{shown}）：合并后只有左上角的格子有值，"
                          "请取消合并并把每一行填写完整后再导入", column=inside[0])


def _sheet_rows(sheet) -> Iterator[tuple[int, Sequence]]:
    yield from enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1)


def _refuse_other_sheet(sheets, looks_like_header, *, first_empty: bool) -> None:
    for other in sheets[1:]:
        _found, looks_right = find_header(_sheet_rows(other), looks_like_header)
        if looks_right:
            where = "第一个工作表为空" if first_empty else f"第一个工作表“{sheets[0].title}”中没有所需的表头"
            raise FileProblem(f"{where}，数据似乎在工作表“{other.title}”中：系统只读取第一个工作表，"
                              "请把该工作表移到最前面后再导入")


def scan_sheet(path: Path) -> tuple[list[str], set[int]]:
    """The merged ranges and the hidden rows of the workbook's first sheet, found by streaming its XML out
    of the zip (one regular expression, run in C, over each megabyte)."""
    merged: list[str] = []
    hidden: set[int] = set()
    with zipfile.ZipFile(path) as archive:
        member = _first_sheet_member(archive)
        tail = b""
        with archive.open(member) as stream:
            while chunk := stream.read(1 << 20):
                data = tail + chunk
                for ref, row in _SCAN_RE.findall(data):
                    if ref:
                        merged.append(ref.decode())
                    else:
                        number = _ROW_NUMBER.search(row)
                        if number:
                            hidden.add(int(number.group(1)))
                tail = data[-512:]  # a tag cut by the chunk boundary is found whole next time (dupes dropped)
    return list(dict.fromkeys(merged)), hidden


def _first_sheet_member(archive: zipfile.ZipFile) -> str:
    book = ET.fromstring(archive.read("xl/workbook.xml"))
    sheet = next(el for el in book.iter() if el.tag.endswith("}sheet") or el.tag == "sheet")
    rel_id = sheet.get(f"{{{_REL_NS}}}id")
    rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    target = next(el.get("Target") for el in rels.iter(f"{{{_PKG_REL_NS}}}Relationship") if el.get("Id") == rel_id)
    target = target.lstrip("/")
    return target if target.startswith("xl/") else f"xl/{target}"
