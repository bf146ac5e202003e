"""Executing a queued import run: the scheduler process's import kind (`pool.scheduler.claims`).

The upload request only stores the file and records a queued `ImportRun`; a scheduler process claims it
(marking it running, with a lease) and calls `execute`:

1. one transaction holds the import itself: `workflows.importing.run.execute_import` writes the rows and
   fills the run's counts and status, committed once at the end;
2. on any exception that transaction is rolled back (no row of the file is left behind) and the run is
   marked `failed` in a fresh transaction, with the reason.

Progress cannot travel through the database while the import's transaction is open (its rows are
invisible to other sessions until commit, and on SQLite a second writer would wait for the import's write
lock), so `execute` writes it to a small JSON file beside the uploads; the run's page reads it.

A run whose process died wrote nothing (its transaction never committed): its lease lapses and the next
scheduler tick marks it failed (`pool.scheduler.claims.recover_lapsed`), whether a scheduler or
`flask import` ran it.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from datetime import datetime
from pathlib import Path

from flask import Flask, current_app

from models import ImportRun, User, db
from models.enums import ImportStatus
from pool import clock
from pool.uow import unit_of_work
from workflows.errors import DomainError

log = logging.getLogger(__name__)

INTERRUPTED = "后台服务中断，导入未完成，未写入任何数据"
CRASHED = "导入时发生内部错误（{name}），未写入任何数据，请联系系统管理员"
REFUSED = "{message}，未写入任何数据"
NO_ACTOR = "导入人账号不存在或已停用，未写入任何数据"
OPEN_STATUSES = (ImportStatus.QUEUED, ImportStatus.RUNNING)
PROGRESS_EVERY = 0.5  # seconds between progress file writes


# ------------------------------------------------------------------------------------------ progress

def upload_dir(app: Flask) -> Path:
    configured = app.config.get("IMPORT_UPLOAD_DIR")
    return (Path(configured) if configured else Path(app.instance_path) / "uploads").absolute()


def progress_path(app: Flask, run_id: int) -> Path:
    return upload_dir(app) / "progress" / f"import-{run_id}.json"


def write_progress(path: Path, **values) -> None:
    """Atomically: a reader sees the previous figures or the new ones, never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    temp.write_text(json.dumps(values), encoding="utf-8")
    os.replace(temp, path)


def read_progress(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


class Progress:
    """The callback handed to the engine (`workflows.importing.run.Progress` values): records the phase, rows
    read, the total once known and the fraction of the whole run, at most twice a second."""

    def __init__(self, path: Path, clock_fn=time.monotonic):
        self.path, self.time, self.last = path, clock_fn, 0.0

    def __call__(self, state, *, force: bool = False) -> None:
        moment = self.time()
        if force or state.phase == "done" or moment - self.last >= PROGRESS_EVERY:
            self.last = moment
            write_progress(self.path, rows_done=state.rows, rows_total=state.total, phase=state.phase,
                           fraction=state.fraction)


def live_progress(run: ImportRun) -> dict:
    """rows_done / rows_total for a running run, from its progress file (the database has them at the end)."""
    if run.status != ImportStatus.RUNNING:
        return {}
    return read_progress(progress_path(current_app, run.id))


# ------------------------------------------------------------------------------------------- the kind

def report_path(app: Flask, run_id: int) -> Path:
    return upload_dir(app) / "reports" / f"import-{run_id}-report.xlsx"


def start_import(session, run: ImportRun, *, token: str, now: datetime) -> bool:
    """Claimed: running, with its runner named (the engine sets the start again when it begins)."""
    if run.status != ImportStatus.QUEUED:
        return False
    run.status, run.started_at = ImportStatus.RUNNING, now
    run.options = {**(run.options or {}), "runner": token}
    return True


def fail_import(session, run_id: int, message: str, *, now: datetime) -> None:
    from workflows.importing.run import mark_failed

    mark_failed(session, run_id, message, now=now)


def execute(app: Flask, run_id: int) -> None:
    """Run one claimed import to its end, following `workflows.importing.run`'s contract: the engine never
    commits. The import's unit of work commits once at its end; when the import raises, it is rolled back
    and the failure is recorded in a second one."""
    with app.app_context():
        session = db.session
        progress = Progress(progress_path(app, run_id))
        try:
            from workflows.importing.run import execute_import, mark_failed

            with unit_of_work(session):
                run = session.get(ImportRun, run_id)
                if run is None or run.status != ImportStatus.RUNNING:
                    return
                actor = session.get(User, run.actor_id) if run.actor_id else None
                if actor is None or not actor.active:
                    mark_failed(session, run_id, NO_ACTOR, now=clock.now())
                    return
                run.report_path = str(report_path(app, run_id))
                Path(run.report_path).parent.mkdir(parents=True, exist_ok=True)
                write_progress(progress.path, rows_done=0, rows_total=None, phase="read", fraction=0.0)
                execute_import(session, run, Path(run.stored_path), actor=actor, now=clock.now(),
                               today=clock.today(), progress=progress)
                if run.status in OPEN_STATUSES:  # the engine settles every run; never leave a finished one open
                    raise RuntimeError("import run left open by the engine")
        except DomainError as exc:  # refused as a whole (not permitted, an option the engine does not know)
            _finish_failed(session, run_id, REFUSED.format(message=exc.message))
        except Exception as exc:  # noqa: BLE001 - any failure: nothing of the file stays, the run says so
            log.exception("import run %s failed", run_id)
            _finish_failed(session, run_id, CRASHED.format(name=type(exc).__name__))
        finally:
            progress.path.unlink(missing_ok=True)
            session.remove()


def _finish_failed(session, run_id: int, message: str) -> None:
    """A fresh unit of work: the failed import's own one is gone, this only records the outcome."""
    try:
        with unit_of_work(session):
            fail_import(session, run_id, message, now=clock.now())
    except Exception:  # noqa: BLE001 - the database itself is down: the lease lapses, recovery marks the run
        log.exception("could not mark import run %s failed", run_id)
