"""Check runs: queue one, execute one, and the log's outcomes (DESIGN §5).

Executing a run is two units of work for the caller: `begin_run` marks it running (short, committed at
once so every page sees it started), `execute_run` does the whole check — hits, flags, counts, the run's
status — in one transaction the caller commits. A check that fails part-way is rolled back by the caller,
which then records the failure with `fail_run` in a fresh transaction: no flag of a failed run survives,
and rerunning it (or running it again after the process was killed) gives the flags of one clean run.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select

from models import CheckRun
from models.enums import RunStatus, RunTrigger
from workflows.checks.flagging import reconcile
from workflows.checks.registry import get_check
from workflows.checks.settings import checks_policy
from workflows.errors import NotFound, ValidationFailed
from workflows.permissions import require
from workflows.policy import Policy, default_policy
from workflows.rules.fields import clean_date

OPEN = (RunStatus.QUEUED, RunStatus.RUNNING)


def queue_run(session, name: str, *, today: date, actor, now: datetime, trigger: RunTrigger) -> CheckRun:
    """Record a run for the scheduler process to claim; a user's needs the capability to run checks."""
    check = get_check(name)
    if trigger == RunTrigger.USER:
        require(actor, "checks.run")
    run = CheckRun(check=check.name, period_key=today.isoformat(), today=today, trigger=trigger,
                   requested_by_id=getattr(actor, "id", None),
                   requested_by_name=getattr(actor, "username", None) or "system",
                   status=RunStatus.QUEUED, created_at=now, counts={})
    session.add(run)
    session.flush()
    return run


def begin_run(session, run: CheckRun, *, now: datetime, runner: str | None = None) -> bool:
    """Claim a queued run; False when another process has it or it is no longer queued."""
    if run.status != RunStatus.QUEUED:
        return False
    run.status, run.started_at, run.runner = RunStatus.RUNNING, now, runner
    return True


def execute_run(session, run: CheckRun, *, now: datetime, policy: Policy | None = None) -> CheckRun:
    """Run the check for the run's `today` and settle the run; the caller commits (or rolls back)."""
    policy = policy or default_policy()
    settings = checks_policy(policy)
    check = get_check(run.check)
    result = check.run(session, run.today, policy)
    counts = reconcile(session, run, result, now=now, policy_version=policy.version,
                       material_change=settings.material_change)
    run.counts = {"examined": result.examined, **counts, "stored": result.stored, "skipped": result.skipped}
    run.status, run.finished_at, run.error = RunStatus.SUCCEEDED, now, None
    return run


def fail_run(session, run_id: int, error: str, *, now: datetime) -> None:
    run = session.get(CheckRun, run_id)
    if run is not None and run.status in OPEN:
        run.status, run.error, run.finished_at = RunStatus.FAILED, error, now


def run_inline(session, name: str, *, today: date, actor, now: datetime, trigger: RunTrigger,
               policy: Policy | None = None) -> CheckRun:
    """Queue and execute at once (the CLI and tests); the caller commits."""
    run = queue_run(session, name, today=today, actor=actor, now=now, trigger=trigger)
    begin_run(session, run, now=now)
    return execute_run(session, run, now=now, policy=policy)


def get_run(session, run_id: int) -> CheckRun:
    run = session.get(CheckRun, run_id)
    if run is None:
        raise NotFound("没有这次检查运行记录")
    return run


def last_runs(session) -> dict[str, CheckRun]:
    """Each check's latest finished run (for the checks page and `GET /api/v1/checks`)."""
    newest = (select(func.max(CheckRun.id)).where(CheckRun.status.in_((RunStatus.SUCCEEDED, RunStatus.FAILED)))
              .group_by(CheckRun.check))
    return {run.check: run for run in session.scalars(select(CheckRun).where(CheckRun.id.in_(newest)))}


def parse_today(raw, *, default: date) -> date:
    if raw in (None, ""):
        return default
    if not isinstance(raw, str):
        raise ValidationFailed("提交的内容有误", fields={"today": "应为日期文本，如2026-01-31"})
    try:
        return clean_date(raw)
    except ValueError:
        raise ValidationFailed("提交的内容有误", fields={"today": "日期格式应为YYYY-MM-DD"}) from None
