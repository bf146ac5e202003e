"""A queued run of each kind, as a page or the API records it, for the scheduler tests; and a lease as a
process that died would have left it."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from models import CheckRun, ExportJob, ImportRun
from models.enums import RunTrigger
from pool.scheduler.beacons import Lease
from tests.import_files import FIRM_HEADER, code, firm_row, write_csv
from workflows.checks.runs import queue_run
from workflows.importing import file_sha256

DEAD = "gone-host|4242|20260101T000000.000000"  # a process that no longer exists


def queued_import(session, actor, folder: Path, *, rows: int = 1, now: datetime) -> ImportRun:
    path = write_csv(folder / f"firms-{code()}.csv", FIRM_HEADER,
                     [firm_row(code(), f"杭州排队导入{i}有限公司") for i in range(rows)])
    run = ImportRun(kind="firms", filename=path.name, sha256=file_sha256(path), stored_path=str(path),
                    actor_id=actor.id, actor_name=actor.username, created_at=now, status="queued",
                    options={"partial": False, "dry_run": False, "unit": "wan"})
    session.add(run)
    session.flush()
    return run


def queued_check(session, actor, *, now: datetime, today) -> CheckRun:
    return queue_run(session, "upgrade_candidates", today=today, actor=actor, now=now, trigger=RunTrigger.USER)


def queued_export(session, actor, *, now: datetime) -> ExportJob:
    from pool.exports.jobs import queue_export

    return queue_export(session, "firms", actor, {"filters": {}}, 0, "企业名录_2026-11-30", now=now)


def lapsed(kind: str, run_id: int, now: datetime, owner: str = DEAD) -> Lease:
    return Lease(kind, run_id, owner, now - timedelta(seconds=1))


def fresh(kind: str, run_id: int, now: datetime, owner: str = DEAD) -> Lease:
    return Lease(kind, run_id, owner, now + timedelta(seconds=60))


def status_of(session, model, run_id: int) -> str:
    session.expire_all()
    return session.get(model, run_id).status


def count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))

