"""`flask export firms|indicators|members --out PATH`: Chinese headers, the lists' filters, CSV past Excel's limit."""

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from models import Pool
from tests.factories import SHANGCHENG, XIHU, uscc
from workflows.exporting import FIRM_COLUMNS, INDICATOR_COLUMNS, MEMBER_COLUMNS


def run(ctx, *args):
    return ctx.test_cli_runner().invoke(args=["export", *args])


def sheet_values(path):
    book = load_workbook(path)
    sheet = book.active
    return [[c.value for c in row] for row in sheet.iter_rows()], sheet


def csv_rows(path):
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM: Excel opens it as UTF-8
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


@pytest.fixture(name="register")
def register_fixture(firms):
    a = firms(name="杭州甲精密机械有限公司", indicators={2024: {"revenue": "1200.5", "employees": 30},
                                                       2025: {"revenue": "1500", "profit": "-8"}})
    b = firms(name="杭州乙便利店", legal_form="个体工商户", industry="F52", district=SHANGCHENG,
              uscc=uscc(SHANGCHENG, kind="92"), indicators={2025: {"revenue": "80"}})
    c = firms(name="杭州丙科技有限公司", tags=["information"], flags={"tech_sme": True})
    return a, b, c


def test_firms_to_xlsx_with_chinese_headers(ctx, register, tmp_path):
    a, b, c = register
    out = tmp_path / "企业.xlsx"
    result = run(ctx, "firms", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert f"已导出 3 行 → {out}" in result.output
    values, sheet = sheet_values(out)
    assert values[0] == [col.header for col in FIRM_COLUMNS]
    assert [row[0] for row in values[1:]] == [a.uscc, b.uscc, c.uscc]
    assert values[2][1:4] == ["杭州乙便利店", "个体工商户", "上城区"]
    assert values[3][7] == "信息经济" and values[3][10] == "是"
    assert sheet["F2"].is_date and sheet.freeze_panes == "A2"
    assert sheet["A2"].data_type == "s"


def test_filters_are_the_list_pages(ctx, register, tmp_path):
    a, b, c = register
    out = tmp_path / "f.xlsx"
    for args, expected in [
        (["--district", "西湖区"], [a, c]),
        (["--district", SHANGCHENG], [b]),
        (["--stage", "individual"], [b]),
        (["--tech-sme", "true"], [c]),
        (["--q", "精密"], [a]),
        (["--tags", "information", "--district", XIHU], [c]),
    ]:
        result = run(ctx, "firms", *args, "--out", str(out))
        assert result.exit_code == 0, result.output
        values, _ = sheet_values(out)
        assert [row[0] for row in values[1:]] == [f.uscc for f in expected], args


def test_as_an_officer_keeps_their_scope(ctx, register, tmp_path):
    a, _, c = register
    out = tmp_path / "f.xlsx"
    result = run(ctx, "firms", "--as", "xihu", "--district", SHANGCHENG, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert [row[0] for row in sheet_values(out)[0][1:]] == [a.uscc, c.uscc]
    assert "系统管理员不能导出" in run(ctx, "firms", "--as", "admin", "--out", str(out)).output


def test_bad_filters_are_refused_and_nothing_is_written(ctx, register, tmp_path):
    out = tmp_path / "f.xlsx"
    result = run(ctx, "firms", "--stage", "giant", "--abnormal", "maybe", "--out", str(out))
    assert result.exit_code == 1
    assert "筛选条件有误" in result.output and "stage" in result.output and "abnormal" in result.output
    assert "未知的区县：江干区" in run(ctx, "firms", "--district", "江干区", "--out", str(out)).output
    assert "须以 .xlsx 或 .csv 结尾" in run(ctx, "firms", "--out", str(tmp_path / "f.txt")).output
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_csv_when_asked(ctx, register, tmp_path):
    out = tmp_path / "f.csv"
    result = run(ctx, "firms", "--district", XIHU, "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = csv_rows(out)
    assert rows[0] == [col.header for col in FIRM_COLUMNS]
    assert rows[1][0] == register[0].uscc and rows[1][5] == "2019-05-20"
    assert len(rows) == 3


def test_past_excels_row_limit_the_workbook_has_several_sheets_with_codes_as_text(ctx, register, tmp_path,
                                                                                   monkeypatch):
    monkeypatch.setattr("workflows.exporting.EXCEL_MAX_ROWS", 3)  # a header and two rows fit; three do not
    out = tmp_path / "f.xlsx"
    result = run(ctx, "firms", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "f.csv").exists() and "已导出 3 行" in result.output
    book = load_workbook(out)
    assert book.sheetnames == ["企业名录(1)", "企业名录(2)"]
    headers = [col.header for col in FIRM_COLUMNS]
    assert all([c.value for c in sheet[1]] == headers for sheet in book.worksheets)
    codes = [row[0] for sheet in book.worksheets for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in codes] == [f.uscc for f in register]
    assert all(c.data_type == "s" and c.number_format == "@" for c in codes)


def test_csv_only_when_asked_for_as_the_machine_format(ctx, register, tmp_path):
    result = run(ctx, "firms", "--format", "csv", "--out", str(tmp_path / "f.xlsx"))
    assert result.exit_code == 0, result.output
    assert len(csv_rows(tmp_path / "f.csv")) == 4
    assert "供程序读取（CSV）" in run(ctx, "firms", "--help").output


def test_indicators_by_year_with_money_as_numbers(ctx, register, tmp_path):
    a, b, _ = register
    out = tmp_path / "i.xlsx"
    result = run(ctx, "indicators", "--year", "2025", "--out", str(out))
    assert result.exit_code == 0, result.output
    values, sheet = sheet_values(out)
    assert values[0] == [col.header for col in INDICATOR_COLUMNS]
    assert values[0][2] == "营业收入（万元）"
    assert [(r[0], r[1]) for r in values[1:]] == [(a.uscc, 2025), (b.uscc, 2025)]
    assert values[1][2] == 1500 and values[1][4] == -8 and sheet["C2"].data_type == "n"
    assert "年度应为" in run(ctx, "indicators", "--year", "20x5", "--out", str(out)).output


def test_members_of_a_pool(ctx, session, users, now, firms, tmp_path):
    from workflows.membership import nominate

    firm = firms(name="杭州丁新材料有限公司", indicators={2025: {"revenue": "900", "employees": 20,
                                                           "total_assets": "500"}})
    pool = session.scalar(select(Pool).where(Pool.level == "county", Pool.district_code == XIHU))
    nominate(session, pool, firm, reason="成长性好", cultivation_type="growth", batch="2026-1",
             actor=users["xihu"], now=now)
    session.commit()
    out = tmp_path / "m.xlsx"
    result = run(ctx, "members", "--pool", str(pool.id), "--out", str(out))
    assert result.exit_code == 0, result.output
    values, _ = sheet_values(out)
    assert values[0] == [col.header for col in MEMBER_COLUMNS]
    assert values[1][:4] == [firm.uscc, firm.name, "西湖区", pool.name]
    assert "未找到该培育库" in run(ctx, "members", "--pool", "99999", "--out", str(out)).output
    assert "Missing option '--pool'" in run(ctx, "members", "--out", str(out)).output
