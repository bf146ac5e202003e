"""What every reader gives the engine (a `Table`), and the rules all readers share: where the header is,
which rows above it are skipped, what a blank row is.

The header is the first row, among the first HEADER_SEARCH_ROWS, that looks like the layout's header (its
required columns are there). Government sheets nearly always carry a title row or two above it
(“杭州市西湖区小微企业名录（2025年）”, often merged across the columns, a date line); those non-blank rows
are skipped and listed in the report, never read as data. When no row looks like the header, the widest
non-blank row is taken as it, so the report names what is wrong with it (a missing or misspelt column).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

HEADER_SEARCH_ROWS = 20

Rows = Iterator[tuple[int, Sequence]]


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
    rows: Rows
    fraction: Callable[[], float]  # how much of the file has been read, 0–1
    total_rows: int | None = None  # data rows, when the file says so up front
    closers: list = field(default_factory=list)
    file_format: str = ""  # the reader's key in readers.READERS: xlsx, csv, ods, xls
    skipped: list[tuple[int, Sequence]] = field(default_factory=list)  # non-blank rows above the header
    hidden: frozenset[int] = frozenset()  # lines hidden in the workbook (yielded: the importer skips them)

    def close(self) -> None:
        for close in self.closers:
            close()

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def is_blank(values: Sequence) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


@dataclass
class Found:
    line: int  # 0 when the first rows are all blank
    header: Sequence | None
    skipped: list[tuple[int, Sequence]]
    rows: Rows  # the data rows, after the header


def find_header(rows: Rows, looks_like_header: Callable[[Sequence], bool]) -> tuple[Found, bool]:
    """(where the header is, whether it looks like the layout's header)."""
    seen: list[tuple[int, Sequence]] = []
    for line, values in rows:
        if not is_blank(values):
            if looks_like_header(values):
                return Found(line, values, seen, rows), True
            seen.append((line, values))
        if line >= HEADER_SEARCH_ROWS:
            break
    if not seen:
        return Found(0, None, [], rows), False
    # No row looks right: the widest one (a title row has one cell) is the header whose problems are reported.
    at = max(range(len(seen)), key=lambda i: (_filled(seen[i][1]), -i))
    line, values = seen[at]
    return Found(line, values, seen[:at], itertools.chain(seen[at + 1:], rows)), False


def _filled(values: Sequence) -> int:
    return sum(1 for v in values if v is not None and str(v).strip())
