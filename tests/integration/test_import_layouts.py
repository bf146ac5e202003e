"""Spreadsheets as district officers make them (issue 14): title rows, 序号/备注 columns, hidden rows, 合计
rows, units, "1,200", the registry's wordings, invisible characters, .ods and .xls. Each asserts what is
stored, what is skipped and what the report says."""

from pathlib import Path

from openpyxl import Workbook

from models import AnnualIndicator, Firm
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
    write_ods,
)
from workflows.importing.validate import HIDDEN_NOTICE, TOTALS_NOTICE

FIXTURES = Path(__file__).parent.parent / "fixtures"
TITLE = "杭州市西湖区小微企业名录（2025年）"


def book(path, rows, *, merged=(), hidden=(), autofilter=None):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for cells in merged:
        sheet.merge_cells(cells)
    for number in hidden:
        sheet.row_dimensions[number].hidden = True
    if autofilter:
        sheet.auto_filter.ref = autofilter
    workbook.save(path)
    return path


def stored(session):
    return {f.uscc: f for f in session.query(Firm)}


def notes(run):
    return [(n[0], n[1], n[2], n[3]) for n in report_rows(run.report_path, "提示")]


def test_title_rows_merged_or_not_are_skipped_and_listed(session, users, now, tmp_path):
    a, b = code(), code()
    rows = [[TITLE], ["制表日期：2025年12月"], [], FIRM_HEADER, firm_row(a), firm_row(b)]
    run = run_import(session, users["city"], book(tmp_path / "merged.xlsx", rows, merged=("A1:G1",)), now=now)
    assert counts(run) == (ImportStatus.SUCCEEDED, 2, 2, 0, 0, 0) and {a, b} <= set(stored(session))
    assert [(n[0], n[2]) for n in notes(run)] == [(1, TITLE), (2, "制表日期：2025年12月")]
    assert all("表头（第4行）之前的内容" in n[3] for n in notes(run))
    c = code()
    plain = run_import(session, users["city"], book(tmp_path / "plain.xlsx", [[TITLE], FIRM_HEADER, firm_row(c)]),
                       now=now)
    assert counts(plain) == (ImportStatus.SUCCEEDED, 1, 1, 0, 0, 0) and notes(plain)[0][0] == 1


def test_a_merged_cell_in_the_data_is_still_refused(session, users, now, tmp_path):
    rows = [[TITLE], FIRM_HEADER, firm_row(code()), firm_row(code())]
    run = run_import(session, users["city"], book(tmp_path / "m.xlsx", rows, merged=("A1:G1", "C3:C4")), now=now)
    assert run.status == ImportStatus.REFUSED and "C3:C4" in run.error and "A1:G1" not in run.error


def test_unknown_columns_are_ignored_and_listed_never_read(session, users, now, tmp_path):
    a = code()
    header = ["序号", *FIRM_HEADER, "备注", "联系电话"]
    path = book(tmp_path / "f.xlsx", [header, [1, *firm_row(a), "老客户", "0571-88888888"]])
    run = run_import(session, users["city"], path, now=now)
    assert counts(run) == (ImportStatus.SUCCEEDED, 1, 1, 0, 0, 0)
    assert stored(session)[a].name == "杭州导入测试有限公司"
    assert [(n[0], n[1]) for n in notes(run)] == [(1, "序号"), (1, "备注"), (1, "联系电话")]
    assert all("已忽略" in n[3] for n in notes(run))


def test_hidden_rows_by_hand_or_autofilter_are_skipped_with_a_notice(session, users, now, tmp_path):
    a, b, c = code(), code(), code()
    rows = [FIRM_HEADER, firm_row(a), firm_row(b), firm_row(c)]
    path = book(tmp_path / "h.xlsx", rows, hidden=(3,), autofilter="A1:G4")
    run = run_import(session, users["city"], path, now=now)
    assert counts(run) == (ImportStatus.SUCCEEDED, 2, 2, 0, 0, 0)
    assert set(stored(session)) >= {a, c} and b not in stored(session)
    assert notes(run) == [(3, None, b, HIDDEN_NOTICE)]
    hand = run_import(session, users["city"], book(tmp_path / "h2.xlsx", rows, hidden=(2, 4)), now=now)
    assert counts(hand)[:2] == (ImportStatus.SUCCEEDED, 1) and [n[0] for n in notes(hand)] == [2, 4]


def test_a_totals_row_is_skipped_not_a_bad_code(session, users, now, tmp_path):
    c = code()
    rows = [[c, "2025", "100", "1", "2", "10", "50"], ["合 计", "", "100", "1", "2", "10", "50"]]
    firm = run_import(session, users["city"], write_csv(tmp_path / "f.csv", FIRM_HEADER, [firm_row(c)]), now=now)
    assert firm.status == ImportStatus.SUCCEEDED
    run = run_import(session, users["city"], book(tmp_path / "t.xlsx", [INDICATOR_HEADER, *rows]), "indicators",
                     now=now)
    assert counts(run) == (ImportStatus.SUCCEEDED, 1, 1, 0, 0, 0) and report_rows(run.report_path) == []
    assert (3, None, "合 计", TOTALS_NOTICE) in notes(run)


def test_money_without_a_unit_is_refused_naming_the_column(session, users, now, tmp_path):
    path = book(tmp_path / "u.xlsx", [["统一社会信用代码", "年度", "营业收入"], [code(), "2025", "12345678.9"]])
    run = run_import(session, users["city"], path, "indicators", now=now)
    assert run.status == ImportStatus.REFUSED and "请在表头注明单位（万元或元）" in run.error
    [(line, column, _value, message)] = report_rows(run.report_path)
    assert (line, column) == (1, "营业收入") and "营业收入（万元）" in message


def test_implausible_figures_warn_and_partial_lets_the_officer_decide(session, users, now, tmp_path):
    c, d = code(), code()
    run_import(session, users["city"], write_csv(tmp_path / "f.csv", FIRM_HEADER, [firm_row(c), firm_row(d)]), now=now)
    rows = [[c, "2025", "12,345,678.90", "", "", "10", ""], [d, "2025", "800", "", "", "1,200", ""]]
    path = book(tmp_path / "i.xlsx", [INDICATOR_HEADER, *rows])
    refused = run_import(session, users["city"], path, "indicators", now=now)
    assert counts(refused) == (ImportStatus.REFUSED, 2, 0, 0, 0, 0) and "--partial" in refused.error
    [warning] = report_rows(refused.report_path, "警告")
    assert warning[:3] == (2, "营业收入（万元）", "12345678.90") and "金额单位" in warning[3]
    assert session.query(AnnualIndicator).count() == 0
    taken = run_import(session, users["city"], path, "indicators", now=now, partial=True)
    assert counts(taken) == (ImportStatus.SUCCEEDED, 2, 2, 0, 0, 0)
    assert len(report_rows(taken.report_path, "警告")) == 1
    staff = {i.firm_id: i.employees for i in session.query(AnnualIndicator)}
    assert staff[stored(session)[d].id] == 1200  # "1,200" read as a count


def test_registry_wordings_and_invisible_characters(session, users, now, tmp_path):
    codes = [code() for _ in range(5)]
    rows = [firm_row(codes[0] + "\u200b", "杭州\u00a0零宽\u200b测试（集团）有限公司", status="存续（在营、开业、在册）"),
            firm_row(codes[1], status="在营"), firm_row(codes[2], status="吊销，未注销"),
            firm_row(codes[3], status="注销"), firm_row("\ufeff" + codes[4], status="迁出", born="２０２０－０１－１５")]
    run = run_import(session, users["city"], book(tmp_path / "s.xlsx", [FIRM_HEADER, *rows]), now=now)
    assert counts(run) == (ImportStatus.SUCCEEDED, 5, 5, 0, 0, 0), report_rows(run.report_path)
    firms = stored(session)
    assert firms[codes[0]].name == "杭州 零宽测试（集团）有限公司"  # brackets keep their width
    assert [firms[c].status for c in codes] == ["active", "active", "revoked", "deregistered", "moved_out"]
    again = run_import(session, users["city"], book(tmp_path / "s2.xlsx", [FIRM_HEADER, *rows]), now=now)
    assert counts(again) == (ImportStatus.SUCCEEDED, 5, 0, 0, 5, 0)


def test_ods_with_a_merged_title_and_hidden_rows(session, users, now, tmp_path):
    a, b, c = code(), code(), code()
    rows = [[TITLE, None, None, None, None, None, None], FIRM_HEADER, firm_row(a), firm_row(b), firm_row(c)]
    path = write_ods(tmp_path / "f.ods", rows, hidden={4: "filter", 5: "collapse"}, spans={1: 7})
    run = run_import(session, users["city"], path, now=now)
    assert counts(run) == (ImportStatus.SUCCEEDED, 1, 1, 0, 0, 0) and a in stored(session)
    assert [(n[0], n[3]) for n in notes(run)] == [(1, notes(run)[0][3]), (4, HIDDEN_NOTICE), (5, HIDDEN_NOTICE)]


def test_xls_fixture_with_a_title_row_and_a_serial_column(session, users, now, tmp_path):
    path = tmp_path / "firms_title_row.xls"  # a copy: the report is written beside the file
    path.write_bytes((FIXTURES / path.name).read_bytes())
    run = run_import(session, users["city"], path, now=now)
    assert counts(run) == (ImportStatus.SUCCEEDED, 2, 2, 0, 0, 0)
    assert {"91330106XLQ000012E", "91330106XLQ0000209"} <= set(stored(session))
    listed = notes(run)
    assert listed[0][:3] == (None, None, None) and ".xls" in listed[0][3]  # hidden rows cannot be told
    assert [n[1] for n in listed if n[0] == 3] == ["序号", "备注"] and listed[1][0] == 1


def test_worker_processes_find_the_same_header_and_skip_the_same_rows(session, users, now, tmp_path, monkeypatch):
    from workflows.importing import batches

    monkeypatch.setattr(batches, "PARALLEL_MIN_BYTES", 0)  # a large file's path: rows checked in workers
    a, b = code(), code()
    rows = [[TITLE], ["序号", *FIRM_HEADER], [1, *firm_row(a)], [2, *firm_row(b)], ["合计", "", "", "", "", "", "", ""]]
    run = run_import(session, users["city"], book(tmp_path / "w.xlsx", rows, hidden=(4,)), now=now)
    assert counts(run) == (ImportStatus.SUCCEEDED, 1, 1, 0, 0, 0) and a in stored(session)
    assert [n[0] for n in notes(run)] == [1, 2, 4, 5]
