"""The shared Excel writer: what an officer finds when opening any exported list in Excel."""

import io
from datetime import UTC, date, datetime
from decimal import Decimal
from urllib.parse import unquote

import pytest
from flask import Flask
from openpyxl import load_workbook

from pool.exports.xlsx import (
    XLSX_MIMETYPE,
    Column,
    content_disposition,
    write_xlsx,
    xlsx_response,
)

COLUMNS = (
    Column("企业名称", width=30),
    Column("发起日期", "date"),
    Column("更新时间", "datetime"),
    Column("营业收入（万元）", "money"),
    Column("从业人员", "int"),
)


def export(rows, columns=COLUMNS, **kwargs):
    buffer = io.BytesIO()
    result = write_xlsx(buffer, columns, rows, **kwargs)
    buffer.seek(0)
    return result, load_workbook(buffer).active


def test_header_row_is_bold_chinese_and_frozen():
    result, sheet = export([])
    assert [c.value for c in sheet[1]] == ["企业名称", "发起日期", "更新时间", "营业收入（万元）", "从业人员"]
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert result.rows == 0 and not result.truncated


def test_empty_list_is_a_header_only_sheet():
    _, sheet = export(iter(()))
    assert sheet.max_row == 1


def test_column_widths_given_or_fitted_to_the_header():
    _, sheet = export([])
    assert sheet.column_dimensions["A"].width == 30
    assert sheet.column_dimensions["B"].width >= 10
    assert sheet.column_dimensions["D"].width >= 2 * len("营业收入（万元）")


def test_dates_are_dates_and_money_and_counts_are_numbers():
    row = ("杭州西溪精密机械有限公司", date(2026, 11, 30), datetime(2026, 11, 30, 2, 0, tzinfo=UTC),
           Decimal("1234.50"), 80)
    _, sheet = export([row])
    name, opened, updated, revenue, staff = sheet[2]
    assert name.value == "杭州西溪精密机械有限公司" and name.data_type == "s"
    assert opened.is_date and opened.value.date() == date(2026, 11, 30)
    assert opened.number_format == "yyyy-mm-dd"
    assert updated.is_date and updated.value == datetime(2026, 11, 30, 10, 0)  # Hangzhou wall clock
    assert revenue.data_type == "n" and revenue.value == pytest.approx(1234.5)
    assert revenue.number_format == "#,##0.00"
    assert staff.data_type == "n" and staff.value == 80


def test_money_given_as_text_is_written_as_a_number():
    _, sheet = export([("甲", None, None, "-12.5", "7")])
    assert sheet["D2"].data_type == "n" and sheet["D2"].value == pytest.approx(-12.5)
    assert sheet["E2"].value == 7


def test_missing_values_are_empty_cells():
    _, sheet = export([("甲", None, None, None, None)])
    assert [c.value for c in sheet[2]] == ["甲", None, None, None, None]


def test_text_that_looks_like_a_formula_stays_text():
    _, sheet = export([("=HYPERLINK(\"http://x\",\"点我\")", None, None, None, None)])
    assert sheet["A2"].data_type == "s"
    assert sheet["A2"].value == "=HYPERLINK(\"http://x\",\"点我\")"


def test_control_characters_excel_refuses_are_dropped():
    _, sheet = export([("杭州\x00某\x1f公司", None, None, None, None)])
    assert sheet["A2"].value == "杭州某公司"


def test_a_value_of_the_wrong_kind_is_a_programming_error():
    with pytest.raises(TypeError):
        export([("甲", "2026-11-30", None, None, None)])
    with pytest.raises(TypeError):
        export([("甲", None, None, "很多", None)])
    with pytest.raises(ValueError):
        export([("甲", None)])


def test_rows_are_streamed_from_a_generator():
    rows = ((f"企业{n}", None, None, Decimal(n), n) for n in range(500))
    result, sheet = export(rows)
    assert result.rows == 500 and sheet.max_row == 501
    assert sheet["A501"].value == "企业499" and sheet["E501"].value == 499


def test_a_list_that_fits_exactly_is_not_cut():
    result, sheet = export([(f"企业{n}",) for n in range(4)], columns=(Column("企业名称"),), max_rows=5)
    assert (result.rows, result.truncated) == (4, False)
    assert [c.value for c in sheet["A"]] == ["企业名称", "企业0", "企业1", "企业2", "企业3"]


def test_a_longer_list_goes_on_in_further_sheets_each_with_the_header():
    """Past the rows a sheet holds the list is split, never cut and never a CSV that mangles codes."""
    codes = [f"91330106{n:010d}" for n in range(10)]  # all digits: what a CSV opened in Excel turns into 9.1E+17
    buffer = io.BytesIO()
    result = write_xlsx(buffer, (Column("统一社会信用代码"), Column("企业名称")),
                        [(c, f"企业{n}") for n, c in enumerate(codes)], title="企业名录", max_rows=5)
    book = load_workbook(io.BytesIO(buffer.getvalue()))
    assert (result.rows, result.truncated, result.sheets) == (10, False, 3)
    assert book.sheetnames == ["企业名录(1)", "企业名录(2)", "企业名录(3)"]
    rows = []
    for sheet in book.worksheets:
        assert [c.value for c in sheet[1]] == ["统一社会信用代码", "企业名称"] and sheet.freeze_panes == "A2"
        body = list(sheet.iter_rows(min_row=2))
        assert all(r[0].data_type == "s" and r[0].number_format == "@" for r in body)
        rows += [r[0].value for r in body]
    assert rows == codes  # every row, in order, the codes as the text they are


def test_sheet_title_is_made_acceptable_to_excel():
    _, sheet = export([], title="我的待办/西湖区:2026" * 3)
    assert "/" not in sheet.title and ":" not in sheet.title and len(sheet.title) <= 31


def test_content_disposition_carries_the_chinese_name_per_rfc_5987():
    header = content_disposition("我的待办_2026-11-30.xlsx", "worklist-2026-11-30.xlsx")
    assert header.startswith('attachment; filename="worklist-2026-11-30.xlsx"; ')
    encoded = header.split("filename*=UTF-8''")[1]
    assert encoded.isascii() and " " not in encoded
    assert unquote(encoded) == "我的待办_2026-11-30.xlsx"


def test_content_disposition_fallback_cannot_break_the_header():
    header = content_disposition('a"b;c.xlsx', 'x"; filename=evil.exe')
    assert header.count('"') == 2 and header.count(";") == 2
    assert 'filename="x___filename_evil.exe"' in header


def test_response_is_a_download_with_headers():
    app = Flask(__name__)
    app.add_url_rule("/x.xlsx", "x", lambda: xlsx_response(
        "案件_2026.xlsx", COLUMNS, [("甲", None, None, Decimal("1"), 2)], ascii_filename="cases-2026.xlsx"))
    response = app.test_client().get("/x.xlsx")
    body = response.get_data()
    assert response.mimetype == XLSX_MIMETYPE
    assert response.headers["Content-Length"] == str(len(body))
    assert "filename*=UTF-8''%E6%A1%88%E4%BB%B6_2026.xlsx" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Export-Rows"] == "1" and response.headers["X-Export-Sheets"] == "1"
    sheet = load_workbook(io.BytesIO(body)).active
    assert sheet["A2"].value == "甲"


def test_unknown_column_kind_is_refused():
    with pytest.raises(ValueError):
        Column("x", "percent")
