"""Import runs executed outside the request: a background thread per run, until a worker process exists.

The upload request only stores the file and records a queued `ImportRun`; `submit` starts a thread with
its own app context (so its own database session) that runs the import engine:

1. a short transaction marks the run `running` (so every page sees it started);
2. one transaction holds the import itself: `workflows.importing.run.execute_import` writes the rows and
   fills the run's counts and status, and the runner commits once at the end;
3. on any exception that transaction is rolled back (no row of the file is left behind) and the run is
   marked `failed` in a fresh transaction.

Progress cannot travel through the database while the import's transaction is open (its rows are
invisible to other sessions until commit, and on SQLite a second writer would wait for the import's write
lock), so the runner writes it to a small JSON file beside the uploads; the status endpoint reads it.

A run left `queued` or `running` by a process that no longer exists (a restart, a crash, a killed worker)
wrote nothing, since its data transaction never committed. `recover_interrupted` marks such runs failed.
Each upload's run records its runner (host, process id and the process's start time from /proc), so a
process can tell a run another live worker is executing from one whose worker is gone, even after the
PID is reused. It is called when the imports pages are opened (cheaply, never waiting for a lock) and by
`flask imports recover` (run it at deploy, before the web workers start; `--all` also fails runs whose
worker cannot be checked from here: another host's, or the command line's, which records no runner).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import select

from models import ImportRun, User, db
from models.enums import ImportStatus
from pool import clock
from pool.uow import unit_of_work
from workflows.errors import DomainError

log = logging.getLogger(__name__)

INTERRUPTED = "服务重启，导入中断，未写入任何数据"
CRASHED = "导入时发生内部错误（{name}），未写入任何数据，请联系系统管理员"
REFUSED = "{message}，未写入任何数据"
NO_ACTOR = "导入人账号不存在或已停用，未写入任何数据"
OPEN_STATUSES = (ImportStatus.QUEUED, ImportStatus.RUNNING)
PROGRESS_EVERY = 0.5  # seconds between progress file writes
SQLITE_RECOVERY_WAIT_MS, SQLITE_BUSY_MS = 250, 30_000  # the latter as pool.db_events sets it

# Jobs of this process, by key: reserved (None) from before their record is committed until their thread ends.
_live: dict[str, threading.Thread | None] = {}
_lock = threading.Lock()


# ------------------------------------------------------------------------------------------- runners

def _start_ticks(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (/proc/PID/stat field 22), or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            data = handle.read()
    except OSError:
        return None
    return data.rsplit(")", 1)[1].split()[19]


def runner_token() -> str:
    """Who runs a job: host, process id and process start time (a reused PID has another start time)."""
    return f"{socket.gethostname()}|{os.getpid()}|{_start_ticks(os.getpid()) or '-'}"


def runner_alive(token: str | None, key: str) -> bool | None:
    """True when the job's worker is alive, False when it is provably gone, None when this machine cannot
    tell (the job runs on another host, or was recorded without a runner, as `flask import` records its
    runs: those are left to `flask imports recover --all`)."""
    if not token:
        return None
    try:
        host, pid_text, ticks = token.split("|")
        pid = int(pid_text)
    except ValueError:
        return False
    if host != socket.gethostname():
        return None
    if pid == os.getpid():
        if ticks != (_start_ticks(pid) or "-"):
            return False
        with _lock:
            return key in _live
    if os.path.isdir("/proc/self"):
        return _start_ticks(pid) == ticks
    try:  # no /proc (not Linux): the PID alone
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def any_live() -> bool:
    with _lock:
        return any(thread is None or thread.is_alive() for thread in _live.values())


def reserve(key: str) -> None:
    """Claim a job for this process before its record is committed, so that no recovery running meanwhile
    (another request of this process) takes the job for one whose worker is gone."""
    with _lock:
        _live[key] = None


def release(key: str) -> None:
    with _lock:
        _live.pop(key, None)


def start_thread(app: Flask, key: str, target, *args) -> None:
    """Run target(app, *args) in a daemon thread known to this process by `key` until it ends."""
    def main():
        try:
            target(app, *args)
        finally:
            release(key)

    thread = threading.Thread(target=main, name=key, daemon=True)
    with _lock:
        _live[key] = thread
    thread.start()


def wait_for(key: str, timeout: float | None = None) -> None:
    """Join a job's thread, if it is still running (tests, and `flask` commands that queue a run)."""
    with _lock:
        thread = _live.get(key)
    if thread is not None:
        thread.join(timeout)


# ------------------------------------------------------------------------------------------ progress

def progress_dir(app: Flask) -> Path:
    return upload_dir(app) / "progress"


def upload_dir(app: Flask) -> Path:
    configured = app.config.get("IMPORT_UPLOAD_DIR")
    return (Path(configured) if configured else Path(app.instance_path) / "uploads").absolute()


def progress_path(app: Flask, key: str) -> Path:
    return progress_dir(app) / f"{key.replace(':', '-')}.json"


def write_progress(path: Path, **values) -> None:
    """Atomically: a reader sees the previous figures or the new ones, never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_suffix(f".{threading.get_ident()}.tmp")
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


# ------------------------------------------------------------------------------------------- imports

def run_key(run_id: int) -> str:
    return f"import:{run_id}"


def submit(run: ImportRun) -> None:
    """Execute a queued, committed run: inline when `IMPORT_RUN_INLINE` (tests), else in a thread."""
    app, key = current_app._get_current_object(), run_key(run.id)
    if app.config.get("IMPORT_RUN_INLINE"):
        try:
            execute(app, run.id)
        finally:
            release(key)
    else:
        start_thread(app, key, execute, run.id)


def report_path(app: Flask, run_id: int) -> Path:
    return upload_dir(app) / "reports" / f"import-{run_id}-report.xlsx"


def execute(app: Flask, run_id: int) -> None:
    """Run one queued import to its end, following `workflows.importing.run`'s contract: the engine never
    commits. Two units of work: a short one marks the run started, the import's own one commits once at
    its end; when the import raises, its unit is rolled back and the failure is recorded in a third."""
    with app.app_context():
        session = db.session
        progress = Progress(progress_path(app, run_key(run_id)))
        try:
            from workflows.importing.run import execute_import

            with unit_of_work(session):
                run, actor = _start(app, session, run_id)
            if actor is None:
                return
            Path(run.report_path).parent.mkdir(parents=True, exist_ok=True)
            write_progress(progress.path, rows_done=0, rows_total=None, phase="read", fraction=0.0)
            with unit_of_work(session):
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


def _start(app: Flask, session, run_id: int) -> tuple[ImportRun | None, User | None]:
    """Mark a queued run running, or failed when its importer's account is gone; (run, None): nothing to do."""
    from workflows.importing.run import mark_failed

    run = session.get(ImportRun, run_id)
    if run is None or run.status != ImportStatus.QUEUED:
        return run, None
    actor = session.get(User, run.actor_id) if run.actor_id else None
    if actor is None or not actor.active:
        mark_failed(session, run_id, NO_ACTOR, now=clock.now())
        return run, None
    run.status, run.started_at = ImportStatus.RUNNING, clock.now()
    run.report_path = str(report_path(app, run_id))
    return run, actor


def _finish_failed(session, run_id: int, message: str) -> None:
    """A fresh unit of work: the failed import's own one is gone, this only records the outcome."""
    from workflows.importing.run import mark_failed

    try:
        with unit_of_work(session):
            mark_failed(session, run_id, message, now=clock.now())
    except Exception:  # noqa: BLE001 - the database itself is down: the next recovery marks the run
        log.exception("could not mark import run %s failed", run_id)


def claim(run: ImportRun) -> None:
    """Record this process as the run's runner and reserve the run here (before it is committed as queued);
    `run.id` must be known (flushed)."""
    run.options = {**(run.options or {}), "runner": runner_token()}
    reserve(run_key(run.id))


def recover_interrupted(session, now, *, everything: bool = False) -> list[int]:
    """Mark failed every queued or running run whose worker is gone (`everything`: also those whose worker
    this machine cannot check). Nothing of theirs needs undoing: their data never committed. The caller
    commits."""
    stmt = select(ImportRun).where(ImportRun.status.in_(OPEN_STATUSES)).order_by(ImportRun.id)
    if session.get_bind().dialect.name == "postgresql":
        # A run whose row another transaction holds is being imported right now (the engine updates its run
        # in the import's transaction): skip it rather than wait for the import to end.
        stmt = stmt.with_for_update(skip_locked=True)
    runs = session.scalars(stmt).all()
    failed = []
    for run in runs:
        alive = runner_alive((run.options or {}).get("runner"), run_key(run.id))
        if alive is False or (everything and not alive):
            run.status, run.error, run.finished_at = ImportStatus.FAILED, INTERRUPTED, now
            failed.append(run.id)
    return failed


def recover_quietly() -> None:
    """The pages' lazy recovery: cheap (one query of a small table, usually empty) and never in the way: it
    ends its own transaction, and on SQLite, where an import elsewhere holds the database's write lock for
    as long as it runs, it waits a quarter of a second for the lock instead of the usual 30 and otherwise
    leaves the recovery for a later page."""
    session = db.session
    sqlite = db.engine.dialect.name == "sqlite"
    if sqlite and any_live():
        return
    try:
        with unit_of_work(session):  # its own transaction, ended before the page's queries run
            raw = session.connection().connection.dbapi_connection if sqlite else None
            try:
                if raw is not None:
                    raw.execute(f"PRAGMA busy_timeout={SQLITE_RECOVERY_WAIT_MS}")
                if recover_interrupted(session, clock.now()):
                    session.flush()  # the write, and so the wait for the lock, happens here
            finally:
                if raw is not None:  # before the connection goes back to the pool
                    raw.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    except Exception:  # noqa: BLE001 - a page must still open; `flask imports recover` does it loudly
        log.warning("import run recovery skipped", exc_info=True)


def live_progress(run: ImportRun) -> dict:
    """rows_done / rows_total for a running run, from its progress file (the database has them at the end)."""
    if run.status != ImportStatus.RUNNING:
        return {}
    return read_progress(progress_path(current_app, run_key(run.id)))
