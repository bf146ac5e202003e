"""`flask checks list|run`: the checks with their schedules and last runs; a run inline, its counts in Chinese,
and exit status 1 for an unknown check, a bad date or a check that fails (rolled back, logged as failed)."""

import dataclasses

from sqlalchemy import func, select

from models import CheckRun, Flag
from models.enums import Stage
from tests import factories
from workflows.checks.registry import CHECKS


def run(ctx, *args):
    return ctx.test_cli_runner().invoke(args=["checks", *args])


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_list_shows_each_check_with_its_schedule(ctx, session, now):
    result = run(ctx, "list")
    assert result.exit_code == 0, result.output
    assert "upgrade_candidates" in result.output and "升级候选检查" in result.output
    assert "每天 02:00" in result.output and "尚未运行" in result.output
    factories.run_check(session, now)
    session.commit()
    assert "已完成（检查日期 2026-11-30）" in run(ctx, "list").output


def test_run_checks_inline_and_prints_the_counts(ctx, session):
    factories.make_firm(session, Stage.ENTERPRISE, revenue="1700")
    factories.make_firm(session, Stage.ENTERPRISE, revenue=None)
    session.commit()
    result = run(ctx, "run", "upgrade_candidates", "--today", "2026-11-30")
    assert result.exit_code == 0, result.output
    assert "检查日期 2026-11-30" in result.output
    assert "新提醒" in result.output and "跳过（近两年无年度数据）" in result.output
    (logged,) = session.scalars(select(CheckRun)).all()
    assert (logged.status, logged.trigger, logged.counts["opened"]) == ("succeeded", "cli", 1)
    assert count(session, Flag) == 1
    again = run(ctx, "run", "upgrade_candidates")  # today by default; a rerun opens nothing new
    assert again.exit_code == 0 and count(session, Flag) == 1


def test_an_unknown_check_or_a_bad_date_exits_1_and_writes_nothing(ctx, session):
    unknown = run(ctx, "run", "nonsense")
    assert unknown.exit_code == 1 and "没有名为“nonsense”的检查" in unknown.output
    bad = run(ctx, "run", "upgrade_candidates", "--today", "2026-02-30")
    assert bad.exit_code == 1 and "日期格式应为YYYY-MM-DD" in bad.output
    assert count(session, CheckRun) == 0


def test_a_failing_check_is_rolled_back_and_logged_as_failed(ctx, session, monkeypatch):
    factories.make_firm(session, Stage.ENTERPRISE, revenue="1700")
    session.commit()
    check = CHECKS["upgrade_candidates"]

    def boom(session, today, policy):
        raise RuntimeError("索引损坏")

    monkeypatch.setitem(CHECKS, "upgrade_candidates", dataclasses.replace(check, run=boom))
    result = run(ctx, "run", "upgrade_candidates")
    assert result.exit_code == 1 and "RuntimeError: 索引损坏" in result.output
    assert count(session, Flag) == 0
    (failed,) = session.scalars(select(CheckRun)).all()
    assert (failed.status, failed.trigger) == ("failed", "cli") and "索引损坏" in failed.error
    assert failed.finished_at is not None
