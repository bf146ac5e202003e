"""The scheduler process's jobs on both databases: one leader for the cron schedule, a tick that executes
every kind of queued run, a failing check, and runs whose process died (a scheduler's or the command
line's) failed once their lease lapses."""

import time
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from models import CheckRun, ExportJob, Flag, ImportRun, db
from models.enums import Stage
from pool.scheduler.beacons import Leases
from pool.scheduler.claims import claim, kinds, recover_lapsed
from pool.scheduler.leader import leader_lock
from tests.factories import make_actors, make_firm
from tests.queued_runs import DEAD, count, lapsed, queued_check, queued_export, queued_import

TODAY = date(2026, 12, 1)


@pytest.fixture
def actors(session):
    made = make_actors(session)
    session.commit()
    return made


@pytest.fixture
def folders(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_UPLOAD_DIR", str(tmp_path / "uploads"))
    monkeypatch.setitem(app.config, "EXPORT_DIR", str(tmp_path / "exports"))
    monkeypatch.setitem(app.config, "RUN_QUEUED_INLINE", False)
    return tmp_path


def test_only_one_lock_attempt_wins(session, beacons):
    lock_path = getattr(beacons, "lock_path", None)
    first, second = leader_lock(db.engine, lock_path), leader_lock(db.engine, lock_path)
    try:
        assert first.acquire() is True
        assert second.acquire() is False
        assert first.acquire() is True  # still held: asking again keeps it
        first.release()
        assert second.acquire() is True  # a leader that is gone is replaced
        assert first.acquire() is False
    finally:
        first.release()
        second.release()


def test_one_process_runs_the_cron_schedule_and_another_takes_over(session, scheduler, beacons, actors, clock, now):
    one, two = scheduler("host|1|a"), scheduler("host|2|b")
    one.beat()
    two.beat()
    assert {beat.token: beat.leader for beat in beacons.beats()} == {"host|1|a": True, "host|2|b": False}
    two.fire("upgrade_candidates")  # not the leader: fires nothing
    assert count(session, CheckRun) == 0
    one.leader.release()  # the leader's process ended
    two.beat()
    assert {beat.token: beat.leader for beat in beacons.beats()}["host|2|b"] is True
    clock.at = now + timedelta(days=1, seconds=1)
    two.beat()  # a day on, the beat of the process that died is forgotten
    assert [beat.token for beat in beacons.beats()] == ["host|2|b"]


@pytest.mark.committed_db  # executed on the scheduler's worker threads, each on its own connection
def test_one_tick_executes_a_queued_import_check_and_export(session, scheduler, beacons, actors, folders, now, app,
                                                            monkeypatch):
    # One worker drains the queue in order: with two, the export may run before the import commits and
    # count one firm instead of three (it did, under load).
    monkeypatch.setitem(app.config, "SCHEDULER_WORKERS", 1)
    make_firm(session, Stage.ENTERPRISE, revenue="2500")  # 小升规 达标
    imported = queued_import(session, actors["city"], folders, rows=2, now=now)
    checked = queued_check(session, actors["city"], now=now, today=TODAY)
    exported = queued_export(session, actors["city"], now=now)
    session.commit()
    service = scheduler()
    service.tick()
    service.workers.shutdown(wait=True)
    session.expire_all()
    run, check, job = (session.get(m, i) for m, i in
                       ((ImportRun, imported.id), (CheckRun, checked.id), (ExportJob, exported.id)))
    assert (run.status, run.inserted) == ("succeeded", 2)
    assert check.status == "succeeded" and check.counts["opened"] == 1 and check.runner == service.token
    assert job.status == "succeeded" and job.rows_done == 3 and job.file.endswith(".xlsx")
    assert beacons.leases() == {}  # every lease released once its run settled


def test_a_scheduled_fire_runs_the_check_for_hangzhous_today(session, scheduler, actors, clock, now, monkeypatch):
    make_firm(session, Stage.ENTERPRISE, revenue="2500")
    session.commit()
    service = scheduler()
    service.beat()  # the leader
    clock.at = now.replace(hour=18, minute=5)  # 02:05 of 1 December in Hangzhou, 18:05 UTC the day before
    monkeypatch.setattr(service.workers, "submit", lambda fn, *args: fn(*args))  # this thread, this connection
    service.fire("upgrade_candidates")
    (run,) = session.query(CheckRun).all()
    assert (run.trigger, run.today, run.requested_by_name, run.status) == ("schedule", TODAY, "system", "succeeded")
    assert count(session, Flag) == 1


@pytest.mark.committed_db  # another connection holds the run, as a running import would
def test_neither_claiming_nor_recovery_waits_for_a_run_held_elsewhere(session, beacons, actors, folders, now):
    held = queued_import(session, actors["city"], folders, now=now)
    stale = queued_import(session, actors["city"], folders, now=now)
    session.commit()
    leases = Leases(beacons, "here|1|x", 60)
    claim(session, kinds()["import"], Leases(beacons, DEAD, 60), now=now, run_id=stale.id)
    beacons.hold(lapsed("import", stale.id, now))
    other = db.engine.connect()
    transaction = other.begin()
    other.execute(text("UPDATE import_runs SET rows_done = 1 WHERE id IN (:a, :b)"), {"a": held.id, "b": stale.id})
    started = time.monotonic()
    try:
        if db.engine.dialect.name == "postgresql":
            assert claim(session, kinds()["import"], leases, now=now) is None  # SKIP LOCKED
            assert recover_lapsed(session, beacons, now=now) == {}  # the held run is somebody's: skipped
        else:
            for attempt in (lambda: claim(session, kinds()["import"], leases, now=now),
                            lambda: recover_lapsed(session, beacons, now=now)):
                with pytest.raises(Exception, match="database is locked"):
                    attempt()
                session.rollback()
        assert time.monotonic() - started < 5
    finally:
        transaction.rollback()
        other.close()
    assert recover_lapsed(session, beacons, now=now) == {"import": [stale.id]}
    assert claim(session, kinds()["import"], leases, now=now) == held.id
    assert beacons.leases()[("import", held.id)].owner == "here|1|x"
