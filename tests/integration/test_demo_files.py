"""`flask demo files DIR`: every sample file imports as its note says, on the demo register and on an empty one."""

import csv
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from models import Firm, ImportRun, User
from tests.factories import NOW
from workflows.demo.files import write_demo_files
from workflows.demo.seed import seed_demo
from workflows.importing.run import execute_import
from workflows.rules.uscc import validate_uscc

TODAY = date(2026, 11, 30)
ORDER = ("firms.xlsx", "firms_gbk.csv", "indicators.csv", "status.csv")


def import_file(session, path, kind, actor, **options):
    run = ImportRun(kind=kind, filename=path.name, sha256="0" * 64, actor_id=actor.id, actor_name=actor.username,
                    district_code=actor.district_code, options={"partial": False, "dry_run": False, "unit": "wan",
                                                                **options})
    session.add(run)
    session.flush()
    execute_import(session, run, path, actor=actor, now=NOW, today=TODAY)
    session.commit()
    return run


@pytest.fixture
def demo(session):
    seed_demo(session, n_firms=300, seed=11, now=NOW)
    session.commit()
    return session.scalar(select(User).filter_by(username="city"))


def test_files_import_on_the_demo_register(session, demo, tmp_path):
    files = {f.path.name: f for f in write_demo_files(session, tmp_path, today=TODAY)}
    assert set(files) == {*ORDER, "firms_errors.xlsx"} and (tmp_path / "说明.txt").exists()
    runs = {name: import_file(session, files[name].path, files[name].kind, demo) for name in ORDER}
    for name, run in runs.items():
        assert run.status == "succeeded", (name, run.error, run.rejected)
        assert run.rejected == 0 and run.rows_total == files[name].rows, name
    assert (runs["firms.xlsx"].inserted, runs["firms.xlsx"].updated) == (26, 5)
    assert runs["firms_gbk.csv"].inserted == 10
    indicators = runs["indicators.csv"]
    assert (indicators.inserted, indicators.updated, indicators.unchanged) == (36, 3, 3)
    assert runs["status.csv"].updated == 4
    assert session.scalar(select(func.count()).select_from(Firm).where(Firm.tech_sme)) >= 5

    again = import_file(session, files["firms.xlsx"].path, "firms", demo)
    assert again.status == "succeeded" and again.unchanged == 31 and again.inserted == again.updated == 0


def test_the_error_file_is_refused_with_a_report(session, demo, tmp_path):
    files = {f.path.name: f for f in write_demo_files(session, tmp_path, today=TODAY)}
    before = session.scalar(select(func.count()).select_from(Firm))
    errors = files["firms_errors.xlsx"]
    run = import_file(session, errors.path, "firms", demo)
    assert run.status == "refused" and run.inserted == 0
    assert session.scalar(select(func.count()).select_from(Firm)) == before
    problems = list(load_workbook(run.report_path).worksheets[0].iter_rows(values_only=True))[1:]
    messages = " ".join(str(p[3]) for p in problems)
    for hint in ("校验码", "文本格式", "江干区", "2021/13/40", "出现2次", "全民所有制企业", "营业"):
        assert hint in messages, hint
    assert run.rejected == errors.rows - 2
    partial = import_file(session, errors.path, "firms", demo, partial=True)
    assert partial.status == "partial" and partial.inserted == 2 and partial.rejected == run.rejected


def test_new_codes_are_valid_and_new(session, demo, tmp_path):
    write_demo_files(session, tmp_path, today=TODAY)
    book = load_workbook(tmp_path / "firms.xlsx")
    codes = [row[0] for row in book.active.iter_rows(min_row=2, values_only=True)]
    with open(tmp_path / "firms_gbk.csv", encoding="gbk", newline="") as handle:
        codes += [row[0] for row in list(csv.reader(handle))[1:]]
    assert len(set(codes)) == len(codes) == 41
    for code in codes:
        validate_uscc(code)
    existing = set(session.scalars(select(Firm.uscc).where(Firm.uscc.in_(codes))))
    assert len(existing) == 5  # the updates; every other code is new to the register


def test_an_empty_register_gets_new_firms_only(session, tmp_path, users):
    files = {f.path.name: f for f in write_demo_files(session, tmp_path, today=TODAY)}
    assert "库中尚无企业" in files["status.csv"].note
    for name in ORDER:
        run = import_file(session, files[name].path, files[name].kind, users["city"])
        assert run.status == "succeeded", (name, run.error)
    assert session.scalar(select(func.count()).select_from(Firm)) == 36


def test_the_command(ctx, demo, tmp_path):
    result = ctx.test_cli_runner().invoke(args=["demo", "files", str(tmp_path / "samples")])
    assert result.exit_code == 0, result.output
    assert "firms.xlsx  企业登记信息，31 行：26 家新企业；5 家已有企业改标为科技型中小企业（更新）" in result.output
    assert "firms_errors.xlsx" in result.output
    assert sorted(p.name for p in (tmp_path / "samples").iterdir()) == sorted([*ORDER, "firms_errors.xlsx", "说明.txt"])
