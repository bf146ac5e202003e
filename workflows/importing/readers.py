"""Streaming readers for .xlsx and .csv: one header row, then (line, values) for each data row.

Line numbers are what the officer sees: the Excel row number, or for a CSV the record number (which is
the row Excel shows when it opens the file, even when a quoted field holds a line break). Blank rows
are skipped but keep their numbers.

.xlsx: openpyxl in read-only mode streams the first sheet row by row (data_only: a formula is read by
the value Excel cached when it last saved the file). Read-only mode cannot see merged ranges, so the
first sheet's XML is scanned for <mergeCell> straight from the zip, streaming, before reading; a merged
cell is refused because only its top-left cell carries the value, and the rows under it would import
blank. python-calamine would be faster but loads the whole sheet into memory, so it is not used.
openpyxl does keep the shared-strings table in memory; large files are better sent as CSV.

.csv: the encoding is found from a BOM, else by strict UTF-8 over the first 64 KB, else GB18030 (a
superset of GBK, as Chinese Excel writes “CSV (逗号分隔)”). Every line is then decoded strictly, so a
file that mixes encodings stops with the line where it changes rather than importing mojibake. A GB
file is also checked line by line for text that is valid UTF-8 (a GBK line practically never is).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

PREFIX_BYTES = 64 * 1024
HEADER_SEARCH_ROWS = 20
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_MERGE_RE = re.compile(rb"<(?:\w+:)?mergeCell\s[^>]*?ref=\"([A-Z]+\d+(?::[A-Z]+\d+)?)\"")
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"


class FileProblem(Exception):
    """The file cannot be read as a table at all; the message tells the officer what to do."""

    def __init__(self, message: str, *, line: int | None = None, column: str = "", value: str = ""):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.value = value


@dataclass
class Table:
    header: list
    header_line: int
    rows: Iterator[tuple[int, Sequence]]
    fraction: Callable[[], float]  # how much of the file has been read, 0–1
    total_rows: int | None = None  # data rows, when the file says so up front
    closers: list = field(default_factory=list)

    def close(self) -> None:
        for close in self.closers:
            close()

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def is_blank(values: Sequence) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def open_table(path: str | Path, looks_like_header: Callable[[Sequence], bool] = lambda cells: True) -> Table:
    """Open a file by its content (an .xlsx is a zip, an old .xls an OLE container), else by its name."""
    path = Path(path)
    with open(path, "rb") as handle:
        magic = handle.read(8)
    if magic.startswith(ZIP_MAGIC):
        return _open_xlsx(path, looks_like_header)
    if magic.startswith(OLE_MAGIC):
        raise FileProblem("不支持旧版Excel（.xls）文件或加密的Excel文件：请在Excel中另存为“Excel工作簿（.xlsx）”或CSV后再导入")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        raise FileProblem("文件扩展名为.xlsx，但内容不是有效的Excel文件")
    return _open_csv(path)


# ---------------------------------------------------------------------------------------------- CSV


def detect_encoding(prefix: bytes) -> str:
    """BOM, then strict UTF-8, then GB18030, on a prefix (a character cut at its end is not an error)."""
    if prefix.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if prefix.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileProblem("不支持UTF-16编码的文本文件：请在Excel中另存为“CSV UTF-8（逗号分隔）”或“CSV（逗号分隔）”")
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)("strict").decode(prefix, final=False)
            return encoding
        except UnicodeDecodeError:
            continue
    # Neither fits the whole prefix: encodings are mixed. Take the first line's, so that reading stops at
    # the exact line where the file changes encoding and says so.
    for line in prefix.split(b"\n")[:-1]:
        if not line.isascii():
            for encoding in ("utf-8", "gb18030"):
                try:
                    line.decode(encoding)
                    return encoding
                except UnicodeDecodeError:
                    continue
            break
    raise FileProblem("无法识别文件编码：请另存为“CSV UTF-8（逗号分隔）”或“CSV（逗号分隔）”")


def _open_csv(path: Path) -> Table:
    handle = open(path, "rb")  # noqa: SIM115 - closed by Table.close
    try:
        prefix = handle.read(PREFIX_BYTES)
        encoding = detect_encoding(prefix)
        if not prefix.replace(codecs.BOM_UTF8, b"").strip():
            raise FileProblem("文件为空")
        handle.seek(0)
        size = max(os.fstat(handle.fileno()).st_size, 1)
        first = prefix.split(b"\n", 1)[0]
        delimiter = "\t" if b"\t" in first and b"," not in first else ","
        if encoding == "gb18030":
            state = {"read": 0}
            lines = _gb_lines(handle, state)

            def fraction() -> float:
                return min(state["read"] / size, 1.0)
        else:  # UTF-8: decoded in C, strictly; a bad byte is located afterwards (_locate_bad_line)
            lines = io.TextIOWrapper(handle, encoding=encoding, errors="strict", newline="")

            def fraction() -> float:
                return 1.0 if handle.closed else min(handle.tell() / size, 1.0)
        reader = csv.reader(lines, delimiter=delimiter)
        records = _records(reader, path)
        header_line, header = _first_row(records)
        if header is None:
            raise FileProblem("文件为空")
    except BaseException:
        handle.close()
        raise
    # Closing the text wrapper (when there is one) closes the file; holding it here also keeps it alive
    # after the rows are exhausted, so `fraction` can still be asked.
    return Table(header=list(header), header_line=header_line, rows=records, fraction=fraction,
                 closers=[lines.close if encoding != "gb18030" else handle.close])


def _mixed(number: int, found: str, expected: str) -> FileProblem:
    return FileProblem(f"文件编码不一致：第{number}行是{found}编码，而文件的前面部分是{expected}编码。"
                       "请将整个文件用同一种编码另存后再导入", line=number)


def _gb_lines(handle, state: dict) -> Iterator[str]:
    """GB18030 line by line, refusing a line that is UTF-8 (GB18030 decodes nearly any bytes, as mojibake)."""
    for number, raw in enumerate(handle, start=1):
        state["read"] += len(raw)
        if not raw.isascii() and _is_utf8(raw):
            raise _mixed(number, "UTF-8", "GBK/GB18030")
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            raise _mixed(number, "无法识别的", "GBK/GB18030") from None
        yield text


def _locate_bad_line(path: Path) -> int:
    """The first physical line that is not UTF-8 (only after a decoding error, so the fast path stays fast)."""
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not _is_utf8(raw.removeprefix(codecs.BOM_UTF8) if number == 1 else raw):
                return number
    return 0


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _records(reader, path: Path) -> Iterator[tuple[int, list]]:
    line = 0
    try:
        for line, record in enumerate(reader, start=1):  # noqa: B007 - `line` is reported on failure
            yield line, record
    except UnicodeDecodeError:
        number = _locate_bad_line(path)
        found = "GBK/GB18030" if number and _is_gb(path, number) else "无法识别的"
        raise _mixed(number or line + 1, found, "UTF-8") from None
    except csv.Error as exc:
        raise FileProblem(f"第{line + 1}行不是有效的CSV：{exc}", line=line + 1) from None


def _is_gb(path: Path, number: int) -> bool:
    with open(path, "rb") as handle:
        for current, raw in enumerate(handle, start=1):
            if current == number:
                try:
                    raw.decode("gb18030")
                except UnicodeDecodeError:
                    return False
                return True
    return False


def _first_row(rows: Iterator[tuple[int, Sequence]]) -> tuple[int, Sequence | None]:
    for line, values in rows:
        if not is_blank(values):
            return line, values
        if line >= HEADER_SEARCH_ROWS:
            break
    return 0, None


# --------------------------------------------------------------------------------------------- XLSX


def _open_xlsx(path: Path, looks_like_header: Callable[[Sequence], bool]) -> Table:
    from openpyxl import load_workbook

    try:
        merged = first_sheet_merges(path)
    except (zipfile.BadZipFile, KeyError, ET.ParseError):
        raise FileProblem("文件不是有效的Excel（.xlsx）文件，可能已损坏") from None
    if merged:
        shown = "、".join(merged[:5]) + ("等" if len(merged) > 5 else "")
        raise FileProblem(f"第一个工作表含有合并单元格（{shown}）：合并后只有左上角的格子有值，"
                          "请取消合并并把每一行填写完整后再导入", column=merged[0])
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise FileProblem(f"无法读取Excel文件：{exc}") from None
    try:
        sheets = book.worksheets
        if not sheets:
            raise FileProblem("Excel文件中没有工作表")
        sheet = sheets[0]
        rows = _sheet_rows(sheet)
        header_line, header = _first_row(rows)
        if header is None or not looks_like_header(header):
            _refuse_other_sheet(sheets, looks_like_header, first_empty=header is None)
        if header is None:
            raise FileProblem("文件为空：第一个工作表没有内容")
        total = sheet.max_row - header_line if isinstance(sheet.max_row, int) and sheet.max_row else None
    except BaseException:
        book.close()
        raise
    state = {"line": header_line}

    def counted() -> Iterator[tuple[int, Sequence]]:
        for line, values in rows:
            state["line"] = line
            yield line, values

    end = sheet.max_row if isinstance(sheet.max_row, int) and sheet.max_row else None
    return Table(header=list(header), header_line=header_line, rows=counted(), total_rows=total,
                 fraction=lambda: min(state["line"] / end, 1.0) if end else 0.0, closers=[book.close])


def _sheet_rows(sheet) -> Iterator[tuple[int, Sequence]]:
    yield from enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1)


def _refuse_other_sheet(sheets, looks_like_header, *, first_empty: bool) -> None:
    for other in sheets[1:]:
        _line, cells = _first_row(_sheet_rows(other))
        if cells is not None and looks_like_header(cells):
            where = "第一个工作表为空" if first_empty else f"第一个工作表“{sheets[0].title}”中没有所需的表头"
            raise FileProblem(f"{where}，数据似乎在工作表“{other.title}”中：系统只读取第一个工作表，"
                              "请把该工作表移到最前面后再导入")


def first_sheet_merges(path: Path) -> list[str]:
    """The merged ranges of the workbook's first sheet, found by streaming its XML out of the zip."""
    with zipfile.ZipFile(path) as archive:
        member = _first_sheet_member(archive)
        found: list[str] = []
        tail = b""
        with archive.open(member) as stream:
            while chunk := stream.read(1 << 20):
                data = tail + chunk
                found += [m.decode() for m in _MERGE_RE.findall(data)]
                tail = data[-512:]  # a tag cut by the chunk boundary is found whole next time (dupes dropped)
        return list(dict.fromkeys(found))


def _first_sheet_member(archive: zipfile.ZipFile) -> str:
    book = ET.fromstring(archive.read("xl/workbook.xml"))
    sheet = next(el for el in book.iter() if el.tag.endswith("}sheet") or el.tag == "sheet")
    rel_id = sheet.get(f"{{{_REL_NS}}}id")
    rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    target = next(el.get("Target") for el in rels.iter(f"{{{_PKG_REL_NS}}}Relationship") if el.get("Id") == rel_id)
    target = target.lstrip("/")
    return target if target.startswith("xl/") else f"xl/{target}"
