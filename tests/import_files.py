"""Building import files inside the tests (CSV in any encoding, .xlsx with the oddities officers send),
running one through execute_import, and reading a run's report back. Shared by the unit, integration and
functional import tests."""

from __future__ import annotations

import csv
import io
import itertools
import re
import zipfile
from datetime import date
from pathlib import Path

from openpyxl import Workbook, load_workbook

from models import ImportRun
from workflows.importing import execute_import, file_sha256
from workflows.rules.uscc import make_uscc

FIRM_HEADER = ["统一社会信用代码", "企业名称", "组织形式", "所属区县", "行业代码", "成立日期", "登记状态"]
INDICATOR_HEADER = ["统一社会信用代码", "年度", "营业收入（万元）", "纳税总额（万元）", "利润总额（万元）", "从业人员", "资产总额（万元）"]
STATUS_HEADER = ["统一社会信用代码", "状态或标记", "生效日期", "来源"]
TODAY = date(2026, 11, 30)  # tests.factories.NOW in Hangzhou
_serial = itertools.count(1)
_reports = itertools.count(1)


def code(district: str = "330106", prefix: str = "91") -> str:
    """A valid USCC no other test uses."""
    return make_uscc(prefix, district, f"QMP{next(_serial):05d}")


def firm_row(uscc: str, name: str = "杭州导入测试有限公司", *, form: str = "有限责任公司", district: str = "西湖区",
             industry: str = "C39", born: str = "2020-01-15", status: str = "存续") -> list:
    return [uscc, name, form, district, industry, born, status]


def write_csv(path: Path, header, rows, *, encoding: str = "utf-8", delimiter: str = ",") -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")  # as Excel writes it
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, header, rows, *, first_sheet: tuple | None = None, merged: tuple = ()) -> Path:
    """`first_sheet`: (title, rows) of a sheet placed before the data; `merged`: ranges to merge."""
    book = Workbook()
    sheet = book.active
    if first_sheet is not None:
        sheet.title = first_sheet[0]
        for row in first_sheet[1]:
            sheet.append(row)
        sheet = book.create_sheet("数据")
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    for cells in merged:
        sheet.merge_cells(cells)
    book.save(path)
    return path


def cache_formula_values(path: Path, values: dict[str, str]) -> Path:
    """Give formula cells the cached value Excel stores when it saves (openpyxl writes none)."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    for ref, value in values.items():
        sheet, count = re.subn(rf'<c r="{ref}"([^>]*)><f>(.*?)</f><v\s*/>',
                               rf'<c r="{ref}"\1 t="str"><f>\2</f><v>{value}</v>', sheet)
        assert count == 1, ref
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def report_rows(path, sheet: str = "问题") -> list[tuple]:
    book = load_workbook(path, read_only=True)
    try:
        if sheet not in book.sheetnames:
            return []
        return [tuple(row) for row in book[sheet].iter_rows(min_row=2, values_only=True)]
    finally:
        book.close()


def run_import(session, actor, path, kind="firms", *, now, progress=None, **options) -> ImportRun:
    """Record a run and execute it as of TODAY, committing like the runner does."""
    report = path.with_name(f"{path.stem}.report-{next(_reports)}.xlsx")  # kept inside the test's tmp_path
    run = ImportRun(kind=kind, filename=path.name, sha256=file_sha256(path), actor_id=actor.id,
                    actor_name=actor.username, options=options, report_path=str(report))
    session.add(run)
    session.commit()
    execute_import(session, run, path, actor=actor, now=now, today=TODAY, progress=progress)
    session.commit()
    return run


def counts(run) -> tuple:
    return run.status, run.rows_total, run.inserted, run.updated, run.unchanged, run.rejected


_ODS_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
           'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
           'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')


def write_ods(path: Path, rows, *, hidden: dict[int, str] | None = None, spans: dict[int, int] | None = None) -> Path:
    """An OpenDocument spreadsheet as LibreOffice saves one, built by hand (a zip: mimetype first and stored,
    content.xml, the manifest). `rows` from row 1 (None: an empty cell); `hidden`: {row: "collapse" (hidden
    by hand) or "filter" (an autofilter's)}; `spans`: {row: columns its first cell is merged across}."""
    from xml.sax.saxutils import escape

    hidden, spans = hidden or {}, spans or {}
    body = []
    for number, row in enumerate(rows, start=1):
        visibility = f' table:visibility="{hidden[number]}"' if number in hidden else ""
        cells = []
        for index, value in enumerate(row):
            span = f' table:number-columns-spanned="{spans[number]}"' if index == 0 and number in spans else ""
            if value is None:
                cells.append(f"<table:table-cell{span}/>")
            elif isinstance(value, int | float) and not isinstance(value, bool):
                cells.append(f'<table:table-cell{span} office:value-type="float" office:value="{value}">'
                             f"<text:p>{value}</text:p></table:table-cell>")
            else:
                cells.append(f'<table:table-cell{span} office:value-type="string"><text:p>{escape(str(value))}'
                             "</text:p></table:table-cell>")
            if index == 0 and number in spans:
                cells += ["<table:covered-table-cell/>"] * (spans[number] - 1)
                break
        body.append(f"<table:table-row{visibility}>{''.join(cells)}</table:table-row>")
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODS_NS} office:version="1.2">'
               '<office:body><office:spreadsheet><table:table table:name="数据">'
               f'{"".join(body)}</table:table></office:spreadsheet></office:body></office:document-content>')
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
                '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type='
                '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
                'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    return path
