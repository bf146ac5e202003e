"""Exactly one process runs the cron schedule: the one that holds the leader lock.

Every scheduler process claims queued runs; only the leader fires the scheduled checks. The lock is one the
operating system or the database drops by itself when its holder dies, so a crashed leader never has to
be cleaned up after: the next process that asks (every heartbeat, and at each cron fire) takes over.

- PostgreSQL: a session-level advisory lock, `pg_try_advisory_lock(POOL, hashtext(current_schema()))`,
  on a connection held for the process's life (the schema in the key keeps two deployments sharing one
  database apart). Each heartbeat checks that connection; when it is gone, so is the lock.
- SQLite: `fcntl.flock` on `leader.lock` in the database's scheduler folder (`pool.scheduler.beacons`);
  flock locks belong to an open file, so two attempts in one process exclude each other too.
"""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

LOCK_CLASS = 0x504F4F4C  # "POOL": the first key of the advisory lock


class FileLeaderLock:
    def __init__(self, path: Path):
        self.path, self._fd = path, None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> bool:
        """Take the lock if it is free; True while this process holds it."""
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


class PgLeaderLock:
    def __init__(self, engine: Engine):
        self.engine, self._conn = engine, None

    @property
    def held(self) -> bool:
        return self._conn is not None

    def acquire(self) -> bool:
        """Take the lock if it is free; True while this process holds it (its connection answers)."""
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT 1"))
                return True
            except Exception:  # noqa: BLE001 - the connection, and with it the lock, is gone
                log.warning("leader lock connection lost", exc_info=True)
                self._drop()
        conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:cls, hashtext(current_schema()))"),
                               {"cls": LOCK_CLASS}).scalar()
        except Exception:
            conn.close()
            raise
        if not got:
            conn.close()
            return False
        self._conn = conn
        return True

    def release(self) -> None:
        if self._conn is None:
            return
        try:
            self._conn.execute(text("SELECT pg_advisory_unlock(:cls, hashtext(current_schema()))"),
                               {"cls": LOCK_CLASS})
            self._conn.close()
        except Exception:  # noqa: BLE001 - a dead connection holds nothing
            self._drop()
        self._conn = None

    def _drop(self) -> None:
        """Discard the connection rather than return it to the pool: a pooled session would keep the lock."""
        try:
            self._conn.invalidate()
        finally:
            self._conn = None


LeaderLock = FileLeaderLock | PgLeaderLock


def leader_lock(engine: Engine, lock_path: Path | None = None) -> LeaderLock:
    if engine.dialect.name == "sqlite":
        return FileLeaderLock(lock_path)
    return PgLeaderLock(engine)
