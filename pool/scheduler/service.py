"""`flask scheduler run`: the one process that works outside requests (DESIGN §5).

An APScheduler `BlockingScheduler` (Asia/Shanghai, coalescing, one instance of each job at a time) with:

- `beat`, every SCHEDULER_BEAT_SECONDS: the heartbeat, and the leader lock kept or taken over;
- `tick`, every SCHEDULER_TICK_SECONDS: runs whose lease lapsed are failed, then queued runs are claimed
  while a worker is free and executed on the process's own worker threads (SCHEDULER_WORKERS; one on
  SQLite, which has one writer at a time anyway);
- one cron job per scheduled check (`pool.scheduler.cron`), fired by the leader only: it queues a
  `CheckRun` for Hangzhou's today, leases and begins it in one unit of work and executes it on a worker;
- `sweep`, hourly: export files past EXPORT_KEEP_HOURS are deleted, and the firm tallies' difference rows
  (PostgreSQL) are folded (`workflows.plans.tallies.compact_tallies`).

Heartbeat and leases never wait for the database's write lock (`pool.scheduler.beacons`), and neither
does the tick on SQLite: it waits a quarter of a second for the lock, else tries again next tick.

Stopping (SIGTERM, or Ctrl+C, which `make demo`'s honcho turns into SIGTERM): no new work is claimed, the
heartbeat is removed, running runs get SCHEDULER_STOP_SECONDS to settle; runs still going then are cut
off — their leases are released first, so the next scheduler fails them at its first tick rather than
after the lease's term.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask
from sqlalchemy import exists, select
from sqlalchemy.exc import OperationalError

from models import CheckRun, db
from models.enums import RunTrigger
from pool import clock
from pool.scheduler.beacons import Beat, FileBeacons, Leases, beacons_for, process_started, process_token
from pool.scheduler.checks import queue_begun, scheduled_today
from pool.scheduler.claims import claim, execute_claimed, kinds, recover_lapsed
from pool.scheduler.cron import TIMEZONE, CronJob, configured, cron_jobs, missed_fire
from pool.scheduler.leader import leader_lock
from pool.uow import unit_of_work
from workflows.checks.registry import CHECKS
from workflows.checks.settings import checks_policy

log = logging.getLogger(__name__)

FORGET_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class Settings:
    tick: float = 3.0
    beat: float = 5.0
    lease: float = 60.0
    workers: int = 2
    stop: float = 10.0

    @classmethod
    def of(cls, app: Flask) -> Settings:
        config = app.config
        return cls(tick=float(config.get("SCHEDULER_TICK_SECONDS") or cls.tick),
                   beat=float(config.get("SCHEDULER_BEAT_SECONDS") or cls.beat),
                   lease=float(config.get("SCHEDULER_LEASE_SECONDS") or cls.lease),
                   workers=int(config.get("SCHEDULER_WORKERS") or cls.workers),
                   stop=float(config.get("SCHEDULER_STOP_SECONDS") or cls.stop))


class Service:
    def __init__(self, app: Flask, settings: Settings | None = None, *, token: str | None = None):
        self.app, self.settings = app, settings or Settings.of(app)
        with app.app_context():
            engine = db.engine
            self.cron = cron_jobs(configured(app.config, checks_policy().schedules), CHECKS)
        self.sqlite = engine.dialect.name == "sqlite"
        self.beacons = beacons_for(engine)
        self.token, self.started = token or process_token(), process_started()
        self.leases = Leases(self.beacons, self.token, self.settings.lease)
        lock_path = self.beacons.lock_path if isinstance(self.beacons, FileBeacons) else None
        self.leader = leader_lock(engine, lock_path)
        workers = 1 if self.sqlite else max(1, self.settings.workers)
        self.slots = threading.BoundedSemaphore(workers)
        self.workers = ThreadPoolExecutor(workers, thread_name_prefix="run")
        self.active: set[tuple[str, int]] = set()
        self._active_lock = threading.Lock()
        self.stopping = threading.Event()
        self.scheduler = BlockingScheduler(timezone=TIMEZONE, job_defaults={
            "coalesce": True, "max_instances": 1, "misfire_grace_time": int(max(30, self.settings.tick * 10))})

    # ------------------------------------------------------------------------------------------- running

    def run(self) -> None:
        """Run until SIGTERM/SIGINT."""
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_signal)
        self.beat()
        self.tick()  # at start: fail what a previous process left, take what is queued
        self.scheduler.add_job(self.beat, "interval", seconds=self.settings.beat, id="beat")
        self.scheduler.add_job(self.tick, "interval", seconds=self.settings.tick, id="tick")
        self.scheduler.add_job(self.sweep, "interval", hours=1, id="sweep")
        for job in self.cron:
            self.scheduler.add_job(self.fire, job.trigger, args=[job.name], id=job.job_id, name=job.job_id,
                                   misfire_grace_time=job.grace)
        log.info("scheduler %s started (%s); cron: %s", self.token, "leader" if self.leader.held else "follower",
                 ", ".join(f"{job.name} “{job.line}”" for job in self.cron) or "none")
        if self.leader.held:
            self._catch_up()
        if not self.stopping.is_set():
            self.scheduler.start()  # blocks until a signal shuts it down
        self._stop()

    def _on_signal(self, signum, _frame) -> None:
        log.info("scheduler stopping (%s)", signal.Signals(signum).name)
        self.stopping.set()
        if self.scheduler.state != STATE_STOPPED:
            self.scheduler.shutdown(wait=False)

    def _stop(self) -> None:
        self.stopping.set()
        self.beacons.forget(self.token)
        deadline = time.monotonic() + self.settings.stop
        while self._running() and time.monotonic() < deadline:
            time.sleep(0.1)
        cut = self._running()
        if not cut:
            self.leader.release()
            self.workers.shutdown(wait=True)
            log.info("scheduler stopped")
            return
        self.leases.abandon()
        log.warning("scheduler stopped with runs cut off, failed at the next scheduler's first tick: %s",
                    ", ".join(f"{kind} #{run_id}" for kind, run_id in sorted(cut)))
        logging.shutdown()
        os._exit(1)  # the workers' threads cannot be interrupted; their transactions end with the process

    def _running(self) -> set[tuple[str, int]]:
        with self._active_lock:
            return set(self.active)

    # ---------------------------------------------------------------------------------------------- jobs

    def beat(self) -> None:
        was = self.leader.held
        try:
            leading = self.leader.acquire()
        except Exception:  # noqa: BLE001 - the database is away; try again next beat
            log.warning("leader lock not checked", exc_info=True)
            leading = False
        if leading and not was:
            log.info("this process now runs the cron schedule")
            if self.scheduler.running:
                self._catch_up()
        elif was and not leading:
            log.warning("this process lost the leader lock")
        now = clock.now()
        self.beacons.beat(Beat(self.token, socket.gethostname(), os.getpid(), self.started, now, leading))
        for beat in self.beacons.beats():  # processes that died without a clean stop, a day later
            if beat.beat_at < now - FORGET_AFTER:
                self.beacons.forget(beat.token)

    def tick(self) -> None:
        if self.stopping.is_set():
            return
        with self.app.app_context():
            try:
                recover_lapsed(db.session, self.beacons, now=clock.now())
            except OperationalError:
                log.info("database busy: lapsed leases are checked at the next tick")
            while not self.stopping.is_set() and self.slots.acquire(blocking=False):
                claimed = self._claim_one()
                if claimed is None:
                    self.slots.release()
                    break
                self.workers.submit(self._execute, *claimed)

    def _claim_one(self) -> tuple[str, int] | None:
        for kind in kinds().values():
            try:
                run_id = claim(db.session, kind, self.leases, now=clock.now())
            except OperationalError:
                log.info("database busy: queued runs are claimed at the next tick")
                return None
            if run_id is not None:
                return kind.name, run_id
        return None

    def _execute(self, kind_name: str, run_id: int) -> None:
        """On a worker thread holding a slot: execute the run, then the next queued one while there is one
        (a queue drains without waiting for ticks), then give the slot back."""
        claimed: tuple[str, int] | None = (kind_name, run_id)
        try:
            while claimed is not None:
                self._execute_one(*claimed)
                claimed = None
                if not self.stopping.is_set():
                    claimed = self._claim_next()
        finally:
            self.slots.release()

    def _claim_next(self) -> tuple[str, int] | None:
        try:
            with self.app.app_context():
                return self._claim_one()
        except Exception:  # noqa: BLE001 - the next tick tries again
            log.exception("claiming the next queued run failed")
            return None

    def _execute_one(self, kind_name: str, run_id: int) -> None:
        with self._active_lock:
            self.active.add((kind_name, run_id))
        try:
            log.info("%s run #%s started", kind_name, run_id)
            execute_claimed(self.app, kinds()[kind_name], run_id, self.leases)
            log.info("%s run #%s settled", kind_name, run_id)
        except Exception:  # noqa: BLE001 - each kind settles its own failures; this is the last resort
            log.exception("%s run #%s: executor failed", kind_name, run_id)
        finally:
            with self._active_lock:
                self.active.discard((kind_name, run_id))

    def fire(self, name: str) -> None:
        """A scheduled check: the leader queues, begins and executes it (waiting for a free worker)."""
        if not self._lead():
            log.info("check %s: another process runs the cron schedule", name)
            return
        while not self.slots.acquire(timeout=1):
            if self.stopping.is_set():
                return
        try:
            with self.app.app_context():
                run_id = queue_begun(db.session, name, self.leases, today=scheduled_today(name), actor=None,
                                     trigger=RunTrigger.SCHEDULE, now=clock.now())
        except Exception:
            self.slots.release()
            log.exception("scheduled check %s could not be queued", name)
            return
        self.workers.submit(self._execute, "check", run_id)

    def sweep(self) -> None:
        from pool.exports.jobs import sweep
        from workflows.plans.tallies import compact_tallies

        sweep(self.app)
        with self.app.app_context():
            try:
                with unit_of_work():
                    compact_tallies(db.session)  # PostgreSQL's per-statement difference rows, folded
            except OperationalError:
                log.info("database busy: the tallies are folded at the next sweep")

    # ---------------------------------------------------------------------------------------- leadership

    def _lead(self) -> bool:
        try:
            return self.leader.acquire()
        except Exception:  # noqa: BLE001
            log.warning("leader lock not checked", exc_info=True)
            return False

    def _catch_up(self) -> None:
        """Fire at once each check whose latest fire within its grace left no scheduled run (no process ran
        then, or it died first)."""
        now = clock.now().replace(tzinfo=UTC).astimezone(TIMEZONE)
        for job in self.cron:
            missed = missed_fire(job, now)
            if missed is not None and not self._ran_since(job, missed):
                log.info("check %s missed its run of %s: running it now", job.name, missed.isoformat())
                self.scheduler.modify_job(job.job_id, next_run_time=now)

    def _ran_since(self, job: CronJob, moment: datetime) -> bool:
        utc = moment.astimezone(UTC).replace(tzinfo=None)  # stored times are naive UTC
        with self.app.app_context():
            stmt = select(exists().where(CheckRun.check == job.name, CheckRun.trigger == RunTrigger.SCHEDULE,
                                         CheckRun.created_at >= utc))
            return bool(db.session.scalar(stmt))
