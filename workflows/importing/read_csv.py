"""Reading a .csv (or tab-separated .txt) file: the encoding found, then (line, values) for each record.

Line numbers are the record numbers, which are the rows Excel shows when it opens the file, even when a
quoted field holds a line break. The encoding is found from a BOM, else by strict UTF-8 over the first
64 KB, else GB18030 (a superset of GBK, as Chinese Excel writes “CSV (逗号分隔)”). Every line is then
decoded strictly, so a file that mixes encodings stops with the line where it changes rather than
importing mojibake. A GB file is also checked line by line for text that is valid UTF-8 (a GBK line
practically never is).

A CSV saved by an office suite holds each cell as it was shown (1234.567 shown as 1235 is saved as 1235):
nothing in the file says so, so every CSV import carries a notice recommending .xlsx (CSV_NOTICE).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from workflows.importing.table import FileProblem, Table, find_header

PREFIX_BYTES = 64 * 1024
CSV_NOTICE = ("CSV文件只保存单元格显示的内容：从电子表格软件另存的CSV中，数字可能已按显示格式四舍五入（如1234.567存为1235），"
              "长数字可能已变为科学计数法。请核对导入结果；建议直接导入Excel工作簿（.xlsx）")


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


def open_csv(path: Path, looks_like_header: Callable[[Sequence], bool]) -> Table:
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
        found, _looks_right = find_header(_records(reader, path), looks_like_header)
        if found.header is None:
            raise FileProblem("文件为空")
    except BaseException:
        handle.close()
        raise
    # Closing the text wrapper (when there is one) closes the file; holding it here also keeps it alive
    # after the rows are exhausted, so `fraction` can still be asked.
    return Table(header=list(found.header), header_line=found.line, rows=found.rows, fraction=fraction,
                 closers=[lines.close if encoding != "gb18030" else handle.close], file_format="csv",
                 skipped=found.skipped)


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
