"""A check that fails part-way writes nothing — no flag raised or resolved, no snapshot replaced — and its
run is recorded as failed with the error; the next clean run gives the flags of one clean run."""

import dataclasses
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from models import AuditEvent, CheckRun, Flag, MetricSnapshot
from models.enums import FlagKind, RunStatus, RunTrigger, SizeClass
from pool.uow import unit_of_work
from tests.factories import eligible_firm, live_flags, make_staff, membership_in, run_check
from workflows.checks import flagging
from workflows.checks.registry import CHECKS
from workflows.checks.runs import begin_run, execute_run, fail_run, queue_run

TODAY = date(2026, 12, 1)
ERROR = "数据库连接中断"


@pytest.fixture
def actors(session):
    return make_staff(session)


def failing_run(session, name, now, today=TODAY) -> int:
    """Queue, claim and execute a run as the scheduler does, each in its unit of work; the execution
    raises; the failure is recorded in a fresh one. Returns the run's id."""
    with unit_of_work(session):
        run = queue_run(session, name, today=today, actor=None, now=now, trigger=RunTrigger.SCHEDULE)
        begin_run(session, run, now=now)
    run_id = run.id
    with pytest.raises(RuntimeError, match=ERROR), unit_of_work(session):
        execute_run(session, run, now=now)
    with unit_of_work(session):
        fail_run(session, run_id, ERROR, now=now)
    return run_id


def flag_events(session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.subject_type == "flag"))


def test_a_check_failing_mid_way_writes_no_flags(session, now, actors, monkeypatch):
    graduate = membership_in(session, actors, now, "admitted", firm=eligible_firm(session))
    graduate.firm.size_class = SizeClass.MEDIUM
    run_check(session, "pool_hygiene", now, TODAY)
    (kept,) = live_flags(session)
    graduate.firm.size_class = SizeClass.SMALL  # its flag would resolve ...
    removal = membership_in(session, actors, now, "admitted", firm=eligible_firm(session))
    removal.firm.abnormal = True  # ... and this one open
    session.commit()
    before = (flag_events(session), session.scalar(select(func.count()).select_from(Flag)))

    def broken(*args, **kwargs):  # after the resolving and the opening, before the refresh
        raise RuntimeError(ERROR)

    monkeypatch.setattr(flagging, "_refresh", broken)
    run_id = failing_run(session, "pool_hygiene", now + timedelta(hours=1))
    session.expire_all()
    assert (flag_events(session), session.scalar(select(func.count()).select_from(Flag))) == before
    assert [f.id for f in live_flags(session)] == [kept.id] and kept.state == "open"
    failed = session.get(CheckRun, run_id)
    assert (failed.status, failed.error) == (RunStatus.FAILED, ERROR) and failed.finished_at is not None

    monkeypatch.undo()
    clean = run_check(session, "pool_hygiene", now + timedelta(hours=2), TODAY)
    assert (clean.counts["opened"], clean.counts["resolved"]) == (1, 1)
    assert [f.kind for f in live_flags(session)] == [FlagKind.REMOVAL]


def test_a_failing_snapshot_keeps_the_days_rows(session, now, actors, monkeypatch):
    eligible_firm(session)
    run_check(session, "metrics_snapshot", now, TODAY)
    eligible_firm(session)
    session.commit()
    check = CHECKS["metrics_snapshot"]

    def written_then_broken(session, today, policy):
        check.run(session, today, policy)  # deletes the day's rows and writes new ones
        raise RuntimeError(ERROR)

    monkeypatch.setitem(CHECKS, "metrics_snapshot", dataclasses.replace(check, run=written_then_broken))
    run_id = failing_run(session, "metrics_snapshot", now)
    value = session.scalar(select(MetricSnapshot.value).filter_by(taken_on=TODAY, metric="firms.enterprise",
                                                                  district_code=""))
    assert value == 1 and session.get(CheckRun, run_id).status == RunStatus.FAILED
