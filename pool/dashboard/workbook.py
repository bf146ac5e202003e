"""The whole dashboard as one workbook: a sheet per panel (`pool.dashboard.tables.sheets`), the filters on
the first rows of each, numbers as numbers. Small (hundreds of rows), so written in memory."""

from __future__ import annotations

import io

from flask import Response
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from pool.dashboard.tables import area_name, sheets
from pool.exports.xlsx import XLSX_MIMETYPE, _sheet_title, content_disposition
from workflows.plans.dashboard import Dashboard

HEADER = (Font(bold=True), PatternFill("solid", fgColor="DDEBF7"))


def describe(board: Dashboard) -> str:
    p, plan = board.params, board.choice.plan
    parts = [f"计划：{plan.name}" if plan else "无计划", f"区域：{area_name(board, p.scope.district or '')}",
             f"统计期：{p.start.isoformat()}至{p.end.isoformat()}", f"导出日：{board.today.isoformat()}"]
    if p.scope.industry:
        parts.append(f"行业：{p.scope.industry}")
    if p.scope.tag:
        parts.append(f"八大万亿产业：{p.scope.tag}")
    return "；".join(parts)


def build_workbook(board: Dashboard) -> Workbook:
    book = Workbook()
    book.remove(book.active)
    note = describe(board)
    for title, head, rows in sheets(board):
        sheet = book.create_sheet(_sheet_title(title))
        sheet.append([note])
        sheet.append(head)
        for cell in sheet[2]:
            cell.font, cell.fill = HEADER
        for row in rows:
            sheet.append([("" if v is None else v) if not isinstance(v, str) else v for v in row])
        sheet.freeze_panes = "A3"
        for i, width in enumerate((18, 30, 10, 10, 10, 12, 12, 12, 10, 10, 10, 10, 60)[:len(head)], 1):
            sheet.column_dimensions[chr(64 + i)].width = width
    return book


def dashboard_workbook(board: Dashboard, filename: str) -> Response:
    buffer = io.BytesIO()
    build_workbook(board).save(buffer)
    response = Response(buffer.getvalue(), mimetype=XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = content_disposition(filename, "dashboard.xlsx")
    response.headers["Cache-Control"] = "no-store"
    return response
