"""Every export of a kind the import reads imports back unchanged (issue 14): the firms and the indicators
lists, as the workbook people get and as the CSV for programs. The export's read-only columns (阶梯阶段 and
企业划型; 企业名称 and 所属区县 beside the figures) are ignored and listed, every row is "unchanged", nothing
is written. Runs on SQLite and, with TEST_DATABASE_URL, PostgreSQL (the session fixture's parameters)."""

import pytest

from models import AuditEvent
from models.enums import ImportStatus
from pool.exports.jobs import write_export_file
from tests.import_files import (
    FIRM_HEADER,
    INDICATOR_HEADER,
    code,
    counts,
    firm_row,
    report_rows,
    run_import,
    write_csv,
)
from workflows.exporting import clean_params
from workflows.importing.columns import DERIVED

EXTRA = ["八大万亿产业", "经营异常", "严重违法", "科技型中小企业", "高新技术企业"]


@pytest.fixture
def register(session, users, now, tmp_path):
    """Firms of several kinds, with tags, flags, full-width brackets in a name, and figures of two years."""
    codes = [code(), code(), code("330102"), code()]
    rows = [firm_row(codes[0], "杭州往返（集团）有限公司", industry="C39") + ["信息经济、健康", "否", "否", "是", "否"],
            firm_row(codes[1], "杭州往返贸易商行", form="个体工商户", industry="F52") + ["", "是", "否", "否", "否"],
            firm_row(codes[2], "杭州往返科技股份有限公司", form="股份有限公司", district="上城区", industry="I65",
                     born="2019-06-30", status="注销") + ["时尚", "否", "否", "否", "是"],
            firm_row(codes[3], "杭州往返服务有限公司", industry="L72", status="迁出") + ["", "否", "是", "否", "否"]]
    run = run_import(session, users["city"], write_csv(tmp_path / "f.csv", FIRM_HEADER + EXTRA, rows), now=now)
    assert counts(run)[:3] == (ImportStatus.SUCCEEDED, 4, 4)
    figures = [[codes[0], "2024", "1234.56", "12.3", "-45.6", "38", "900"],
               [codes[0], "2025", "2345.6", "", "0", "40", ""],
               [codes[2], "2025", "88", "1", "2.05", "6", "10"]]
    run = run_import(session, users["city"], write_csv(tmp_path / "i.csv", INDICATOR_HEADER, figures),
                     "indicators", now=now)
    assert counts(run)[:3] == (ImportStatus.SUCCEEDED, 3, 3)
    return codes


@pytest.mark.parametrize("kind, rows, derived", [
    ("firms", 4, ["阶梯阶段", "企业划型"]),
    ("indicators", 3, ["企业名称", "所属区县"]),
])
@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_an_export_imports_back_unchanged(session, users, now, tmp_path, register, kind, rows, derived, suffix):
    exported = write_export_file(session, kind, users["city"], clean_params(kind, {}, now=now),
                                 tmp_path / f"export{suffix}")
    assert exported.rows == rows
    before = session.query(AuditEvent).count()
    run = run_import(session, users["city"], exported.path, kind, now=now)
    assert counts(run) == (ImportStatus.SUCCEEDED, rows, 0, 0, rows, 0)
    assert session.query(AuditEvent).count() == before  # nothing changed, so nothing audited
    notices = report_rows(run.report_path, "提示")
    assert [(n[1], n[3]) for n in notices if n[3] == DERIVED] == [(name, DERIVED) for name in derived]
    assert report_rows(run.report_path) == [] and report_rows(run.report_path, "警告") == []
