"""Heartbeats and run leases: where they live on each database, and a process's leases kept renewed.

Two facts must stay writable while a run's own transaction is open for minutes: "this process is alive"
(its heartbeat) and "this run is still being worked on" (its lease, renewed every quarter of its term).

- PostgreSQL: rows of `scheduler_processes` and `run_leases`, written on a pooled connection of their own in
  autocommit. Neither table is touched by a run's transaction (an import holds its *run's* row until it
  commits, which is why the lease is not a column of the run), so a renewal never waits; and every scheduler
  host sees every lease.
- SQLite: one small JSON file per process and per lease in a folder beside the database file
  (`instance/pool.db.scheduler/` by default), replaced atomically (write, then rename). A second connection
  cannot write to SQLite while an import holds the database's write lock (it waits, then fails with
  "database is locked"), and an import holds it for most of its run (58 s of the 133 s of the 3,000,000-row
  benchmark), so a lease row would lapse exactly while the work it protects goes on. A file rename waits
  for nothing. SQLite is one machine's database, so one machine's folder is the whole truth; the folder
  also holds the cron leader's lock file (`pool.scheduler.leader`).

Measured on the 2-core development machine (SQLite 3.40, PostgreSQL 15): a lease file written and renamed
in 0.18 ms; an autocommit lease upsert on PostgreSQL in 1.0 ms, unaffected by an open import; a second
SQLite connection's write while another transaction holds the write lock waited its whole busy timeout
and failed with "database is locked". The lease's term (SCHEDULER_LEASE_SECONDS, 60 s, renewed every
15 s) is what a renewal may be late by, not a cost.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import URL, Engine

from models import RunLease, SchedulerProcess
from pool import clock
from pool.db_events import sqlite_folder

log = logging.getLogger(__name__)

_started: dict[int, datetime] = {}


def process_token() -> str:
    """Who holds a lease or beats: host, process id and start time (a reused PID starts at another time)."""
    return f"{socket.gethostname()}|{os.getpid()}|{process_started():%Y%m%dT%H%M%S.%f}"


def process_started() -> datetime:
    """This process's start (first asked), per PID so that a forked child is a process of its own."""
    return _started.setdefault(os.getpid(), clock.now())


@dataclass(frozen=True)
class Beat:
    token: str
    host: str
    pid: int
    started_at: datetime
    beat_at: datetime
    leader: bool


@dataclass(frozen=True)
class Lease:
    kind: str  # import / check / export
    run_id: int
    owner: str
    expires_at: datetime

    def fresh(self, now: datetime) -> bool:
        return self.expires_at >= now


# ----------------------------------------------------------------------------------------- SQLite: files

class FileBeacons:
    """Heartbeats and leases as files in one folder (SQLite)."""

    def __init__(self, directory: Path):
        self.directory = directory

    @property
    def lock_path(self) -> Path:
        return self.directory / "leader.lock"

    def beat(self, beat: Beat) -> None:
        self._write(self._process_path(beat.token), asdict(beat))

    def forget(self, token: str) -> None:
        self._process_path(token).unlink(missing_ok=True)

    def beats(self) -> list[Beat]:
        return [Beat(**_dates(data, "started_at", "beat_at")) for data in self._read_all("process-*.json")]

    def hold(self, lease: Lease) -> None:
        self._write(self._lease_path(lease.kind, lease.run_id), asdict(lease))

    def release(self, kind: str, run_id: int, owner: str) -> None:
        path = self._lease_path(kind, run_id)
        if (_read(path) or {}).get("owner") == owner:
            path.unlink(missing_ok=True)

    def leases(self) -> dict[tuple[str, int], Lease]:
        found = (Lease(**_dates(data, "expires_at")) for data in self._read_all("lease-*.json"))
        return {(lease.kind, lease.run_id): lease for lease in found}

    def _process_path(self, token: str) -> Path:
        return self.directory / f"process-{re.sub(r'[^A-Za-z0-9.-]', '_', token)}.json"

    def _lease_path(self, kind: str, run_id: int) -> Path:
        return self.directory / f"lease-{kind}-{int(run_id)}.json"

    def _write(self, path: Path, data: dict) -> None:
        """Atomically: a reader sees the previous file or the new one, never half of one."""
        self.directory.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        temp.write_text(json.dumps(data, default=datetime.isoformat), encoding="utf-8")
        os.replace(temp, path)

    def _read_all(self, pattern: str) -> Iterator[dict]:
        if not self.directory.is_dir():
            return
        for path in sorted(self.directory.glob(pattern)):
            data = _read(path)
            if data is not None:
                yield data


def _read(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # gone meanwhile, or never complete (a crash before the rename leaves only a .tmp)


def _dates(data: dict, *keys: str) -> dict:
    return {**data, **{key: datetime.fromisoformat(data[key]) for key in keys}}


# ------------------------------------------------------------------------------------ PostgreSQL: tables

class TableBeacons:
    """Heartbeats and leases as rows, each write a transaction of its own on its own connection."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def _connect(self):
        return self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")

    def beat(self, beat: Beat) -> None:
        values = asdict(beat)
        stmt = insert(SchedulerProcess).values(**values)
        stmt = stmt.on_conflict_do_update(index_elements=["token"],
                                          set_={"beat_at": stmt.excluded.beat_at, "leader": stmt.excluded.leader})
        with self._connect() as conn:
            conn.execute(stmt)

    def forget(self, token: str) -> None:
        with self._connect() as conn:
            conn.execute(delete(SchedulerProcess).where(SchedulerProcess.token == token))

    def beats(self) -> list[Beat]:
        columns = [getattr(SchedulerProcess, name) for name in Beat.__dataclass_fields__]
        with self._connect() as conn:
            return [Beat(*row) for row in conn.execute(select(*columns))]

    def hold(self, lease: Lease) -> None:
        stmt = insert(RunLease).values(**asdict(lease))
        stmt = stmt.on_conflict_do_update(index_elements=["kind", "run_id"],
                                          set_={"owner": stmt.excluded.owner, "expires_at": stmt.excluded.expires_at})
        with self._connect() as conn:
            conn.execute(stmt)

    def release(self, kind: str, run_id: int, owner: str) -> None:
        with self._connect() as conn:
            conn.execute(delete(RunLease).where(RunLease.kind == kind, RunLease.run_id == run_id,
                                                RunLease.owner == owner))

    def leases(self) -> dict[tuple[str, int], Lease]:
        with self._connect() as conn:
            rows = conn.execute(select(RunLease.kind, RunLease.run_id, RunLease.owner, RunLease.expires_at))
            return {(row.kind, row.run_id): Lease(*row) for row in rows}


Beacons = FileBeacons | TableBeacons


def beacons_for(engine: Engine) -> Beacons:
    if engine.dialect.name == "sqlite":
        return FileBeacons(state_dir(engine.url))
    return TableBeacons(engine)


def state_dir(url: URL) -> Path:
    """Beside the SQLite file (`instance/pool.db.scheduler/`), so each database has its own; an in-memory
    database is one process's, and so is its folder."""
    folder = sqlite_folder(url)
    if folder is None:
        return Path(tempfile.gettempdir()) / f"pool-scheduler-memory-{os.getpid()}"
    return folder / f"{Path(url.database).name}.scheduler"


def any_alive(beacons: Beacons, now: datetime, within: float) -> bool:
    cutoff = now - timedelta(seconds=within)
    return any(beat.beat_at >= cutoff for beat in beacons.beats())


# ------------------------------------------------------------------------------------- a process's leases

class Leases:
    """The leases this process holds: taken when it claims a run (before the claim commits, so a running run
    always has one), renewed by a thread while the run executes, released when it has settled."""

    def __init__(self, beacons: Beacons, owner: str, seconds: float, now: Callable[[], datetime] = clock.now):
        self.beacons, self.owner, self.seconds, self.now = beacons, owner, seconds, now
        self.held: set[tuple[str, int]] = set()
        self._lock = threading.Lock()
        self._abandoned = False

    def take(self, kind: str, run_id: int) -> None:
        if self._abandoned:
            return
        self.beacons.hold(Lease(kind, run_id, self.owner, self.now() + timedelta(seconds=self.seconds)))
        with self._lock:
            self.held.add((kind, run_id))

    def release(self, kind: str, run_id: int) -> None:
        with self._lock:
            self.held.discard((kind, run_id))
        self.beacons.release(kind, run_id, self.owner)

    def abandon(self) -> list[tuple[str, int]]:
        """The process is about to end with runs unfinished: release every lease and renew none, so the
        next scheduler fails those runs at once instead of after the lease's term."""
        self._abandoned = True
        with self._lock:
            held = sorted(self.held)
        for kind, run_id in held:
            self.release(kind, run_id)
        return held

    @contextmanager
    def kept(self, kind: str, run_id: int) -> Iterator[None]:
        """Renew the (taken) lease every quarter of its term until the block ends, then release it."""
        stop = threading.Event()

        def renew() -> None:
            while not stop.wait(self.seconds / 4):
                try:
                    self.take(kind, run_id)
                except Exception:  # noqa: BLE001 - one missed renewal is what the term's slack is for
                    log.warning("lease %s:%s not renewed", kind, run_id, exc_info=True)

        thread = threading.Thread(target=renew, name=f"lease-{kind}-{run_id}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
            self.release(kind, run_id)
