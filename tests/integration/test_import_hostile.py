"""Hostile cells in an import are row errors in the report like any other, never a failed run with the
database's message: NUL and control characters, numbers no column holds, cells under no header."""

from models import Firm
from models.enums import ImportStatus
from tests.import_files import (
    FIRM_HEADER,
    INDICATOR_HEADER,
    code,
    counts,
    firm_row,
    report_rows,
    run_import,
    write_csv,
    write_xlsx,
)


def test_nul_and_control_characters_in_cells_are_row_errors(session, users, now, tmp_path):
    good = code()
    rows = [firm_row(good), firm_row(code(), "杭州\x00空字符有限公司"), firm_row(code(), "杭州\x1b转义有限公司"),
            firm_row(code(), "杭州测试有限公司", industry="C\x0039")]
    path = write_csv(tmp_path / "f.csv", FIRM_HEADER, rows)
    refused = run_import(session, users["city"], path, now=now)
    assert counts(refused) == (ImportStatus.REFUSED, 4, 0, 0, 0, 3)
    problems = report_rows(refused.report_path)
    assert [(p[0], p[1]) for p in problems] == [(3, "企业名称"), (4, "企业名称"), (5, "行业代码")]
    assert "空字符" in problems[0][3] and "\\x00" in problems[0][2]  # the report shows it, escaped
    partial = run_import(session, users["city"], path, now=now, partial=True)
    assert counts(partial) == (ImportStatus.PARTIAL, 4, 1, 0, 0, 3)
    assert [f.uscc for f in session.query(Firm)] == [good]


def test_numbers_past_the_columns_are_row_errors(session, users, now, tmp_path):
    firm = code()
    run_import(session, users["city"], write_csv(tmp_path / "f.csv", FIRM_HEADER, [firm_row(firm)]), now=now)
    rows = [[firm, "2024", "100", "1", "1", "99999999999", "10"],  # employees past INTEGER
            [firm, "99999999999999999999", "100", "1", "1", "5", "10"],  # a year no column holds
            [firm, "2025", "1" + "0" * 20, "1", "1", "5", "10"],  # revenue past Numeric(16, 2)
            [firm, "２０２５", "100", "1", "1", "5", "10"]]  # full-width digits: folded (NFKC), so valid
    path = write_csv(tmp_path / "i.csv", INDICATOR_HEADER, rows)
    run = run_import(session, users["city"], path, "indicators", now=now)
    assert counts(run) == (ImportStatus.REFUSED, 4, 0, 0, 0, 3)
    assert [(p[0], p[1]) for p in report_rows(run.report_path)] == [(2, "从业人员"), (3, "年度"),
                                                                    (4, "营业收入（万元）")]


def test_surplus_cells_beyond_the_header_are_reported(session, users, now, tmp_path):
    a, b = code(), code()
    rows = [firm_row(a) + ["", ""], firm_row(b) + ["", "多出来的备注"]]
    path = write_xlsx(tmp_path / "f.xlsx", FIRM_HEADER, rows)
    run = run_import(session, users["city"], path, now=now)
    assert counts(run) == (ImportStatus.REFUSED, 2, 0, 0, 0, 1)
    (problem,) = report_rows(run.report_path)
    assert problem[:3] == (3, "I列（无表头）", "多出来的备注") and "表头" in problem[3]


def test_a_filled_cell_under_a_blank_header_in_the_middle_is_reported(session, users, now, tmp_path):
    header = FIRM_HEADER[:2] + [""] + FIRM_HEADER[2:]
    row = firm_row(code())
    path = write_csv(tmp_path / "f.csv", header, [row[:2] + ["备注"] + row[2:]])
    run = run_import(session, users["city"], path, now=now)
    assert counts(run) == (ImportStatus.REFUSED, 1, 0, 0, 0, 1)
    assert report_rows(run.report_path)[0][1] == "C列（无表头）"
