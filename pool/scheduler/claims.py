"""Queued runs: what kinds there are, claiming one, executing it under a lease, failing those whose lease lapsed.

Every queued thing the web records is a row with a status: an `ImportRun`, a `CheckRun`, an `ExportJob`.
`KINDS` says, per kind, how to start, execute and fail one; the rest is written once:

- **claim**: in one short unit of work, select the oldest queued row (`FOR UPDATE SKIP LOCKED` on
  PostgreSQL, so processes sharing the queue never wait for or double-take a row; on SQLite the unit first
  takes the database's write lock, waiting a moment at most, so it is the only writer while it looks),
  take its lease, mark it running with this process as its runner, commit.
- **execute**: the kind's function, with the lease renewed until the run has settled (`Leases.kept`).
- **recover**: a running run whose lease is missing or expired lost its process (killed, crashed, the
  machine restarted): its transaction never committed, so nothing of it is left to undo; it is marked
  failed. Leases are read before and after the runs, so a run that settles or starts meanwhile is never
  taken for a dead one (its lease is in one of the two reads).

Web requests only queue: `dispatch` leaves the run to a scheduler process, except under
`RUN_QUEUED_INLINE` (tests), where it claims and executes the run at once through these same functions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from flask import Flask, current_app
from sqlalchemy import select, update

from models import CheckRun, ExportJob, ImportRun, db
from pool import clock
from pool.scheduler.beacons import Beacons, Leases, beacons_for, process_token
from pool.uow import read_only, unit_of_work

log = logging.getLogger(__name__)

LOCK_WAIT_MS, BUSY_MS = 250, 30_000  # SQLite: a claim's wait for the write lock; the usual (pool.db_events)
DEFAULT_LEASE_SECONDS = 60


@dataclass(frozen=True)
class RunKind:
    name: str
    model: type
    start: Callable  # (session, run, *, token, now) -> bool: mark a queued run running
    execute: Callable  # (app, run_id): run it to its end, settling its status
    fail: Callable  # (session, run_id, message, *, now): mark it failed
    interrupted: str  # the error a run whose process died is left with
    queued: str = "queued"
    running: str = "running"


@cache
def kinds() -> dict[str, RunKind]:
    from pool.exports import jobs
    from pool.imports import runner
    from pool.scheduler import checks

    return {kind.name: kind for kind in (
        RunKind("check", CheckRun, checks.start_check, checks.execute_check, checks.fail_check, checks.INTERRUPTED),
        RunKind("import", ImportRun, runner.start_import, runner.execute, runner.fail_import, runner.INTERRUPTED),
        RunKind("export", ExportJob, jobs.start_export, jobs.run_export, jobs.fail_export, jobs.INTERRUPTED),
    )}


def process_leases(app: Flask | None = None) -> Leases:
    """This process's leases on the app's database, with the configured term."""
    app = app or current_app
    seconds = float(app.config.get("SCHEDULER_LEASE_SECONDS") or DEFAULT_LEASE_SECONDS)
    return Leases(beacons_for(db.engine), process_token(), seconds)


# ---------------------------------------------------------------------------------------------- claiming

@contextmanager
def brief_wait(session, ms: int = LOCK_WAIT_MS) -> Iterator[None]:
    """SQLite: wait `ms` for the write lock instead of the usual 30 s, inside the caller's transaction."""
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    raw = session.connection().connection.dbapi_connection
    raw.execute(f"PRAGMA busy_timeout={ms}")
    try:
        yield
    finally:
        raw.execute(f"PRAGMA busy_timeout={BUSY_MS}")


def take_write_lock(session, model) -> None:
    """SQLite: become the database's only writer now (a write that matches no row takes the lock), so what
    is read next cannot change before the commit. Raises OperationalError when the lock is not free soon."""
    if session.get_bind().dialect.name == "sqlite":
        with brief_wait(session):
            session.execute(update(model).where(model.id == -1).values(status=model.status))


def claim(session, kind: RunKind, leases: Leases, *, now: datetime, run_id: int | None = None) -> int | None:
    """Claim the oldest queued run of a kind (or the given one) for this process; its id, or None."""
    model = kind.model
    with unit_of_work(session):
        take_write_lock(session, model)
        stmt = select(model).where(model.status == kind.queued).order_by(model.id).limit(1)
        if run_id is not None:
            stmt = stmt.where(model.id == run_id)
        run = session.scalars(stmt.with_for_update(skip_locked=True)).first()  # SQLite renders no FOR UPDATE
        if run is None:
            return None
        leases.take(kind.name, run.id)
        try:
            if not kind.start(session, run, token=leases.owner, now=now):
                leases.release(kind.name, run.id)
                return None
            session.flush()
        except BaseException:
            leases.release(kind.name, run.id)
            raise
        return run.id


def execute_claimed(app: Flask, kind: RunKind, run_id: int, leases: Leases) -> None:
    with leases.kept(kind.name, run_id):
        kind.execute(app, run_id)


def dispatch(kind_name: str, run_id: int) -> None:
    """After a request committed a queued run. A scheduler process claims it; tests execute it here."""
    app = current_app._get_current_object()
    if app.config.get("RUN_QUEUED_INLINE"):
        run_now(app, kind_name, run_id)


def run_now(app: Flask, kind_name: str, run_id: int) -> bool:
    """Claim one queued run and execute it in this process (tests, and the inline switch); False when it
    was not queued any more."""
    kind, leases = kinds()[kind_name], process_leases(app)
    if claim(db.session, kind, leases, now=clock.now(), run_id=run_id) is None:
        return False
    execute_claimed(app, kind, run_id, leases)
    return True


# ---------------------------------------------------------------------------------------------- recovery

def recover_lapsed(session, beacons: Beacons, *, now: datetime) -> dict[str, list[int]]:
    """Mark failed every running run whose lease lapsed; {kind: [run ids]}. Commits its own work. On SQLite
    it raises OperationalError when another process is writing (retry at the next tick)."""
    before = beacons.leases()
    with read_only(session):
        running = {name: session.scalars(select(kind.model.id).where(kind.model.status == kind.running)).all()
                   for name, kind in kinds().items()}
    after = beacons.leases()

    def lapsed(key) -> bool:
        return not any(lease.fresh(now) for lease in (before.get(key), after.get(key)) if lease is not None)

    candidates = {name: [i for i in ids if lapsed((name, i))] for name, ids in running.items()}
    failed = {name: _fail_lapsed(session, kinds()[name], ids, now) for name, ids in candidates.items() if ids}
    failed = {name: ids for name, ids in failed.items() if ids}
    settled = {name: set(ids) - set(failed.get(name, ())) for name, ids in running.items()}
    _forget_stale(beacons, {**before, **after}, settled, now)
    return failed


def _fail_lapsed(session, kind: RunKind, ids: list[int], now: datetime) -> list[int]:
    model = kind.model
    with unit_of_work(session):
        take_write_lock(session, model)
        # A row another transaction holds is being worked on right now: skip it rather than wait.
        stmt = select(model.id).where(model.id.in_(ids), model.status == kind.running).order_by(model.id)
        locked = session.scalars(stmt.with_for_update(skip_locked=True)).all()
        for run_id in locked:
            kind.fail(session, run_id, kind.interrupted, now=now)
    if locked:
        log.warning("marked %s runs failed after their lease lapsed: %s", kind.name, locked)
    return list(locked)


def _forget_stale(beacons: Beacons, leases: dict, running: dict[str, set], now: datetime) -> None:
    """Expired leases of runs no longer running: just failed here, or settled by a process that died before
    it released the lease."""
    for (name, run_id), lease in leases.items():
        if not lease.fresh(now) and run_id not in running.get(name, ()):
            beacons.release(name, run_id, lease.owner)
