"""The first problems of an import's report, for the run page (the whole report is the .xlsx download).

The report is the engine's workbook (`workflows.importing.report`): on its first sheet one row per problem
under a header row naming 行号, 列, 值 and 问题 (in any order, beside other columns); on a sheet 提示 the
notices about rows that were written but need an officer's look. It is read in openpyxl's read-only mode and only as far as needed,
so a report of a million rejected rows costs the page as much as one of fifty.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from openpyxl import load_workbook

log = logging.getLogger(__name__)

NOTICES = "提示"
WARNINGS = "警告"
# The report's header for each shown column, with the other spellings it may use.
HEADERS = {
    "line": ("行号", "行", "所在行"),
    "column": ("列", "列名", "字段"),
    "value": ("值", "原值", "内容"),
    "message": ("问题", "错误", "说明", "原因"),
}


@dataclass(frozen=True)
class Problem:
    line: object
    column: str
    value: str
    message: str


def _positions(header: tuple) -> dict[str, int]:
    names = [str(h).strip() if h is not None else "" for h in header]
    found = {}
    for key, spellings in HEADERS.items():
        for spelling in spellings:
            if spelling in names:
                found[key] = names.index(spelling)
                break
    return found


def _text(value) -> str:
    return "" if value is None else str(value)


def _read_sheet(sheet, limit: int) -> list[Problem] | None:
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        return []
    at = _positions(header)
    if "message" not in at:
        return None
    problems = []
    for row in rows:
        if len(problems) >= limit:
            break
        if not any(v not in (None, "") for v in row):
            continue
        values = {key: row[index] if index < len(row) else None for key, index in at.items()}
        problems.append(Problem(values.get("line") or "", _text(values.get("column")),
                                _text(values.get("value")), _text(values.get("message"))))
    return problems


@dataclass(frozen=True)
class Report:
    problems: list[Problem]  # rows not written (or, without "仅导入无误的行", the reasons nothing was)
    notices: list[Problem]  # written, but an officer should look (a changed 组织形式, rows skipped, columns ignored)
    warnings: list[Problem] = ()  # implausible figures: refused unless imported with 仅导入无误的行


def read_report(path: str | None, limit: int) -> Report | None:
    """Up to `limit` problems (first sheet, 问题) and notices (sheet 提示), in the report's order; None when
    the report cannot be read. Warnings (sheet 警告) likewise."""
    if not path:
        return None
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (OSError, ValueError, KeyError) as exc:
        log.warning("unreadable import report %s: %s", path, exc)
        return None
    try:
        problems = _read_sheet(workbook.worksheets[0], limit)
        notices = _read_sheet(workbook[NOTICES], limit) if NOTICES in workbook.sheetnames else []
        warnings = _read_sheet(workbook[WARNINGS], limit) if WARNINGS in workbook.sheetnames else []
    finally:
        workbook.close()
    if problems is None:
        return None
    return Report(problems, notices or [], warnings or [])
