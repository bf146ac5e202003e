"""`flask import firms|indicators|status PATH --as USER` and `flask import template`: exit codes 0 / 1 / 2, the
dry run, the report, and a crash that leaves nothing but a failed run."""

import pytest
from sqlalchemy import func, select

from models import AuditEvent, Firm, ImportRun
from models.enums import ImportStatus
from tests.import_files import FIRM_HEADER, STATUS_HEADER, code, firm_row, report_rows, write_csv


@pytest.fixture(autouse=True)
def _upload_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_UPLOAD_DIR", str(tmp_path / "uploads"))


def run(ctx, *args):
    return ctx.test_cli_runner().invoke(args=["import", *args])


def firm_count(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Firm))


def last_run(session) -> ImportRun:
    session.expire_all()
    return session.scalars(select(ImportRun).order_by(ImportRun.id.desc())).first()


def test_all_rows_written_exits_0(ctx, session, users, tmp_path):
    path = write_csv(tmp_path / "企业.csv", FIRM_HEADER, [firm_row(code()), firm_row(code())])
    result = run(ctx, "firms", str(path), "--as", "city")
    assert result.exit_code == 0, result.output
    assert "已完成：共 2 行，新增 2，更新 0，未变 0，有问题 0" in result.output
    assert firm_count(session) == 2
    recorded = last_run(session)
    assert (recorded.kind, recorded.filename, recorded.actor_name, recorded.status) == \
        ("firms", "企业.csv", "city", ImportStatus.SUCCEEDED)
    assert len(recorded.sha256) == 64 and recorded.options["source"] == "cli"


def test_a_bad_row_exits_1_writes_nothing_and_explains(ctx, session, users, tmp_path):
    path = write_csv(tmp_path / "f.csv", FIRM_HEADER, [firm_row(code()), firm_row(code(), born="2021/13/40")])
    report = tmp_path / "问题.xlsx"
    result = run(ctx, "firms", str(path), "--as", "city", "--report", str(report))
    assert result.exit_code == 1
    assert "已拒绝（未写入）" in result.output and "第3行 成立日期“2021/13/40”：日期无效" in result.output
    assert firm_count(session) == 0
    assert report_rows(report)[0][:3] == (3, "成立日期", "2021/13/40")


def test_partial_exits_2_and_writes_the_valid_rows(ctx, session, users, tmp_path):
    path = write_csv(tmp_path / "f.csv", FIRM_HEADER, [firm_row(code()), firm_row(code(), district="火星区")])
    result = run(ctx, "firms", str(path), "--as", "city", "--partial")
    assert result.exit_code == 2, result.output
    assert "部分导入" in result.output and firm_count(session) == 1
    assert last_run(session).report_path.endswith(f"import-{last_run(session).id}-report.xlsx")


def test_dry_run_writes_nothing_but_the_run(ctx, session, users, tmp_path):
    path = write_csv(tmp_path / "f.csv", FIRM_HEADER, [firm_row(code())])
    result = run(ctx, "firms", str(path), "--as", "city", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "试运行" in result.output and "新增 1" in result.output
    assert firm_count(session) == 0
    assert session.scalar(select(func.count()).where(AuditEvent.subject_type == "firm")) == 0
    assert last_run(session).options["dry_run"] is True


def test_county_officer_cli_scope(ctx, session, users, tmp_path):
    path = write_csv(tmp_path / "f.csv", FIRM_HEADER, [firm_row(code("330102"), district="上城区")])
    result = run(ctx, "firms", str(path), "--as", "xihu")
    assert result.exit_code == 1 and "只能导入本区县" in result.output
    assert last_run(session).district_code == "330106"


def test_unknown_user_and_users_who_may_not_import(ctx, session, users, tmp_path):
    path = write_csv(tmp_path / "f.csv", FIRM_HEADER, [firm_row(code())])
    assert run(ctx, "firms", str(path), "--as", "nobody").exit_code == 1
    result = run(ctx, "firms", str(path), "--as", "leader")
    assert result.exit_code == 1 and "无权导入" in result.output
    assert last_run(session) is None


def test_a_crash_exits_1_records_a_failed_run_and_writes_nothing(ctx, session, users, tmp_path, monkeypatch):
    from workflows.importing.engine import Engine

    def crash(self, *args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Engine, "_report", crash)  # after every row has been written
    path = write_csv(tmp_path / "f.csv", FIRM_HEADER, [firm_row(code())])
    result = run(ctx, "firms", str(path), "--as", "city")
    assert result.exit_code == 1 and "失败（未写入）" in result.output and "disk full" in result.output
    assert firm_count(session) == 0
    assert last_run(session).status == ImportStatus.FAILED


def test_status_feed_and_unit_option(ctx, session, users, tmp_path):
    c = code()
    run(ctx, "firms", str(write_csv(tmp_path / "f.csv", FIRM_HEADER, [firm_row(c)])), "--as", "city")
    feed = write_csv(tmp_path / "s.csv", STATUS_HEADER, [[c, "吊销", "2026-11-02", "登记系统"]], encoding="gbk")
    result = run(ctx, "status", str(feed), "--as", "xihu")
    assert result.exit_code == 0 and "更新 1" in result.output
    money = write_csv(tmp_path / "i.csv", ["统一社会信用代码", "年度", "营业收入（元）"], [[c, "2025", "1234500"]])
    assert run(ctx, "indicators", str(money), "--as", "city").exit_code == 1  # the header says 元
    assert run(ctx, "indicators", str(money), "--as", "city", "--unit", "yuan").exit_code == 0


@pytest.mark.parametrize("kind", ["firms", "indicators", "status"])
def test_template(ctx, tmp_path, kind):
    out = tmp_path / f"{kind}.xlsx"
    result = run(ctx, "template", kind, "--out", str(out))
    assert result.exit_code == 0 and out.exists()
