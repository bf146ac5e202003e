"""Check runs in a process: the queued kind's start/execute/fail, the cron job's run and the command line's.

`workflows.checks.runs` says how a run goes (`begin_run` marks it running, `execute_run` does the whole
check in the caller's transaction, `fail_run` records a failure); this module is the edge that commits:
the claim (begin) in one unit of work, the check in a second, and when the check raises, that unit is
rolled back — no flag, hit or snapshot of the failed run survives — and a third records the failure with
the exception's class, so a rerun gives the flags of one clean run.

A scheduled or command-line run is queued, leased and begun in one unit (nobody else can claim it
between), then executed here like a claimed one, so the CLI's run is recovered like any other when its
process is killed.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from flask import Flask, current_app

from models import CheckRun, db
from models.enums import RunStatus, RunTrigger
from pool import clock
from pool.uow import unit_of_work
from workflows.checks.registry import get_check
from workflows.checks.runs import begin_run, execute_run, fail_run, queue_run

log = logging.getLogger(__name__)

INTERRUPTED = "后台服务中断，本次检查未完成，未写入任何提醒"
CRASHED = "检查运行出错（{name}: {message}），未写入任何提醒"


def start_check(session, run: CheckRun, *, token: str, now: datetime) -> bool:
    return begin_run(session, run, now=now, runner=token)


def fail_check(session, run_id: int, message: str, *, now: datetime) -> None:
    fail_run(session, run_id, message, now=now)


def crash_message(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else "无详细信息"
    return CRASHED.format(name=type(exc).__name__, message=text)


def execute_check(app: Flask, run_id: int) -> None:
    """Run a claimed (running) check to its end; on failure roll back and record the error."""
    with app.app_context():
        session = db.session
        try:
            with unit_of_work(session):
                run = session.get(CheckRun, run_id)
                if run is None or run.status != RunStatus.RUNNING:
                    return
                execute_run(session, run, now=clock.now())
        except Exception as exc:  # noqa: BLE001 - any failure: the run says so, with nothing written
            log.exception("check run %s failed", run_id)
            with unit_of_work(session):
                fail_run(session, run_id, crash_message(exc), now=clock.now())
        finally:
            session.remove()


def queue_begun(session, name: str, leases, *, today: date, actor, trigger: RunTrigger, now: datetime) -> int:
    """Queue a run, lease it to this process and begin it, in one unit of work; its id."""
    with unit_of_work(session):
        run = queue_run(session, name, today=today, actor=actor, now=now, trigger=trigger)
        leases.take("check", run.id)
        try:
            begin_run(session, run, now=now, runner=leases.owner)
            session.flush()
        except BaseException:
            leases.release("check", run.id)
            raise
        return run.id


def scheduled_today(name: str) -> date:
    """The day a scheduled run is for: the check's period of today in Hangzhou."""
    return get_check(name).period_of(clock.today())


def run_check_now(name: str, *, today: date, actor, trigger: RunTrigger = RunTrigger.CLI) -> CheckRun:
    """Queue, begin and execute a check in this process (`flask checks run`), leased like a scheduler's
    run; the settled run (status, counts, error)."""
    from pool.scheduler.claims import execute_claimed, kinds, process_leases

    app, leases = current_app._get_current_object(), process_leases()
    run_id = queue_begun(db.session, name, leases, today=today, actor=actor, trigger=trigger, now=clock.now())
    execute_claimed(app, kinds()["check"], run_id, leases)
    db.session.expire_all()
    return db.session.get(CheckRun, run_id)
