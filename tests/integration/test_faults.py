"""Faults, in one place: what the system does when the database, a process or a check fails under it.

- The database goes away mid-request (its connection killed: `pg_terminate_backend` on PostgreSQL, the
  connection closed under the request on SQLite): the user gets a clear 503 — a Chinese page, or DESIGN §8's
  structured error under /api/ — nothing of the request is kept, and the next request works.
- A process killed while it runs an import, a check or an export leaves nothing partial (its transaction never
  committed) and its run is marked failed by the next scheduler tick once its lease lapsed, without manual
  recovery; a check or an import that fails part-way writes nothing and records the failure.
- The audit trail is append-only in the database itself (migration 0014's triggers), whatever path tries.
  Across the whole suite, tests/conftest.py also checks after every database test that each workflow
  subject's audit events chain to its current state (one event per state change) and that no statement
  updated or deleted an audit event (tests/audit_trail.py).
"""

import dataclasses
from datetime import date, timedelta

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import DBAPIError

from models import AuditEvent, CheckHit, CheckRun, Firm, Flag, ImportRun, MetricSnapshot, db
from models.enums import FlagKind, ImportStatus, RunStatus, RunTrigger, SizeClass, Stage
from pool.scheduler.beacons import Leases
from pool.scheduler.claims import claim, kinds, run_now
from pool.uow import unit_of_work
from tests.audit_trail import WATCH
from tests.factories import (
    PASSWORD,
    eligible_firm,
    firm_payload,
    live_flags,
    make_firm,
    make_staff,
    membership_in,
    run_check,
)
from tests.import_files import FIRM_HEADER, code, counts, firm_row, run_import, write_csv
from tests.import_files import TODAY as IMPORT_DAY
from tests.queued_runs import DEAD, count, queued_check, queued_export, queued_import, status_of
from workflows.checks import flagging
from workflows.checks.registry import CHECKS
from workflows.checks.runs import begin_run, execute_run, fail_run, queue_run
from workflows.importing import execute_import, mark_failed

TODAY = date(2026, 12, 1)
ERROR = "数据库连接中断"
UNAVAILABLE = "数据库暂时无法连接"


@pytest.fixture
def actors(session):
    return make_staff(session)


@pytest.fixture
def folders(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_UPLOAD_DIR", str(tmp_path / "uploads"))
    monkeypatch.setitem(app.config, "EXPORT_DIR", str(tmp_path / "exports"))
    monkeypatch.setitem(app.config, "RUN_QUEUED_INLINE", False)
    return tmp_path


# ------------------------------------------------------------------------------ the database goes away

@pytest.fixture
def lose_connection(app):
    """lose_connection(marker): the next statement whose SQL contains `marker` finds its connection gone,
    killed by the server (PostgreSQL) or closed under it (SQLite), exactly once."""
    armed = []

    def kill(conn, cursor, statement, parameters, context, executemany):
        if not armed or armed[0] not in statement:
            return
        armed.clear()
        raw = conn.connection.driver_connection
        if conn.dialect.name == "postgresql":
            with db.engine.connect() as other:
                other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": raw.info.backend_pid})
                other.commit()
        else:
            raw.close()

    event.listen(db.engine, "before_cursor_execute", kill)
    yield armed.append
    event.remove(db.engine, "before_cursor_execute", kill)


@pytest.mark.committed_db  # the request's connection is the pool's own, not the test's rolled-back one
def test_a_page_whose_database_goes_away_is_a_503_and_the_next_request_works(app, client, session, users, now,
                                                                             lose_connection):
    from workflows.firms import create_firm

    create_firm(session, firm_payload(name="杭州断线测试有限公司"), actor=users["city"], now=now)
    session.commit()
    client.post("/login", data={"username": "city", "password": PASSWORD})
    lose_connection("FROM firms")
    with app.app_context():  # each request its own app context, as in production (Flask-Login keeps the user in g)
        response = client.get("/firms/")
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert UNAVAILABLE in response.get_data(as_text=True)
    with app.app_context():
        again = client.get("/firms/")
    assert again.status_code == 200 and "杭州断线测试有限公司" in again.get_data(as_text=True)


@pytest.mark.committed_db
def test_an_api_write_whose_database_goes_away_is_a_structured_503_and_keeps_nothing(client, session, users, now,
                                                                                    lose_connection):
    from tests.functional.api import Api

    api = Api(client, session, users, now)
    events = session.scalar(select(func.count()).select_from(AuditEvent))
    session.commit()
    payload = firm_payload(name="杭州断线写入有限公司")
    lose_connection("INSERT INTO audit_events")  # the firm is flushed, its audit event is not yet
    response = api["city"].post("/firms", json=payload)
    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["code"] == "unavailable" and UNAVAILABLE in error["message"]
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Firm)) == 0
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == events
    assert api["city"].post("/firms", json=payload).status_code == 201  # the next request works


def test_a_bug_in_a_statement_is_not_passed_off_as_an_outage(app):
    from pool.errors import database_gone

    broken = DBAPIError("SELECT nonsense", {}, Exception("syntax error"), connection_invalidated=False)
    assert not database_gone(broken)


# ------------------------------------------------------------------------------ the audit trail is append-only

@pytest.mark.parametrize("statement", ["UPDATE audit_events SET comment = '改写'", "DELETE FROM audit_events"])
def test_the_database_refuses_to_rewrite_an_audit_event(session, actors, now, statement):
    from workflows.firms import create_firm

    create_firm(session, firm_payload(), actor=actors["city"], now=now)
    session.commit()
    before = session.execute(select(AuditEvent.id, AuditEvent.comment).order_by(AuditEvent.id)).all()
    with pytest.raises(DBAPIError, match="审计记录只能追加"), session.begin_nested():
        session.execute(text(statement))
    WATCH.seen.clear()  # this test's own attempt, refused by the database
    assert session.execute(select(AuditEvent.id, AuditEvent.comment).order_by(AuditEvent.id)).all() == before


# ------------------------------------------------------------------------------ killed and failing runs

def test_a_failing_check_leaves_a_failed_run_with_its_error_and_no_flags(session, actors, monkeypatch, app, now):
    from workflows.checks import runs

    make_firm(session, Stage.ENTERPRISE, revenue="2500")
    real = runs.reconcile

    def reconcile_then_fail(*args, **kwargs):
        real(*args, **kwargs)  # the flags are written, then the check fails before it ends
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr(runs, "reconcile", reconcile_then_fail)
    failing = queued_check(session, actors["city"], now=now, today=TODAY)
    session.commit()
    assert run_now(app, "check", failing.id)
    session.expire_all()
    run = session.get(CheckRun, failing.id)
    assert run.status == "failed" and run.finished_at is not None
    assert run.error == "检查运行出错（RuntimeError: 磁盘已满），未写入任何提醒"
    assert count(session, Flag) == 0 and count(session, CheckHit) == 0

    monkeypatch.setattr(runs, "reconcile", real)  # run again: the flags of one clean run
    again = queued_check(session, actors["city"], now=now, today=TODAY)
    session.commit()
    run_now(app, "check", again.id)
    assert status_of(session, CheckRun, again.id) == "succeeded" and count(session, Flag) == 1


def test_runs_of_a_scheduler_that_died_are_failed_once_their_lease_lapses(session, scheduler, beacons, actors,
                                                                          folders, clock, now):
    dead = Leases(beacons, DEAD, 60)
    runs = {"import": queued_import(session, actors["city"], folders, now=now).id,
            "check": queued_check(session, actors["city"], now=now, today=TODAY).id,
            "export": queued_export(session, actors["city"], now=now).id}
    session.commit()
    for name in runs:  # claimed by a process that then died, its leases no longer renewed
        assert claim(session, kinds()[name], dead, now=now) == runs[name]
    service = scheduler()
    service.tick()
    assert {name: status_of(session, kinds()[name].model, i) for name, i in runs.items()} == \
        dict.fromkeys(runs, "running")  # the leases still hold
    clock.at = now + timedelta(seconds=61)
    service.tick()
    for name, run_id in runs.items():
        session.expire_all()
        run = session.get(kinds()[name].model, run_id)
        assert (run.status, run.error) == ("failed", kinds()[name].interrupted), name
    assert count(session, Firm) == 0


def test_a_killed_command_line_import_is_failed_once_its_lease_lapses(session, scheduler, beacons, actors, tmp_path,
                                                                       clock, now):
    from pool.cli import imports as cli

    path = write_csv(tmp_path / "firms.csv", FIRM_HEADER, [firm_row(code())])
    seen = {}

    def killed(session, run, path, **kwargs):
        seen.update(status=run.status, lease=beacons.leases().get(("import", run.id)))
        session.add(Firm(uscc="91330106MA2HXXXX0X", name="写到一半", legal_form="有限责任公司", stage="enterprise",
                         district_code="330106", industry="C39", tags=[]))
        session.flush()
        raise KeyboardInterrupt  # as good as SIGKILL here: nothing after this line of the command runs...

    with pytest.MonkeyPatch.context() as patch, pytest.raises(KeyboardInterrupt):
        patch.setattr(cli, "execute_import", killed)
        patch.setattr(Leases, "release", lambda *args: None)  # ...not even the lease's release
        cli.run_import("firms", path, "city", partial=False, dry_run=False, report=None, unit="wan")
    (run,) = session.query(ImportRun).all()
    assert seen["status"] == "running" and seen["lease"].owner == run.options["runner"]
    assert run.status == "running" and count(session, Firm) == 0

    service = scheduler()
    service.tick()
    assert status_of(session, ImportRun, run.id) == "running"  # its lease has not lapsed yet
    clock.at = now + timedelta(minutes=2)
    service.tick()
    session.expire_all()
    assert (run.status, run.error) == ("failed", "后台服务中断，导入未完成，未写入任何数据")
    assert beacons.leases() == {}  # the lapsed lease is forgotten with its run


def test_a_crash_in_the_middle_leaves_nothing(session, users, now, tmp_path):
    rows = [firm_row(code(), f"企业{i}") for i in range(12_000)]  # more than two batches
    path = write_csv(tmp_path / "big.csv", FIRM_HEADER, rows)
    seen = []

    def crash(progress):
        seen.append(progress.phase)
        if progress.phase == "write":
            raise RuntimeError("simulated crash")

    run = ImportRun(kind="firms", filename=path.name, sha256="x", actor_id=users["city"].id, actor_name="city",
                    options={})
    session.add(run)
    session.commit()
    audit_before = session.scalar(select(func.count()).select_from(AuditEvent))
    with pytest.raises(RuntimeError, match="simulated crash"):
        execute_import(session, run, path, actor=users["city"], now=now, today=IMPORT_DAY, progress=crash)
    session.rollback()
    mark_failed(session, run.id, "导入中断", now=now)
    session.commit()
    assert seen.count("read") >= 2 and "check" in seen
    assert session.scalar(select(func.count()).select_from(Firm)) == 0 \
        and session.scalar(select(func.count()).select_from(AuditEvent)) == audit_before
    assert session.get(ImportRun, run.id).status == ImportStatus.FAILED
    # the same connection is usable again: nothing of the run's staging is left behind
    again = run_import(session, users["city"], path, now=now)
    assert counts(again)[:3] == (ImportStatus.SUCCEEDED, 12_000, 12_000)


def failing_run(session, name, now, today=TODAY) -> int:
    """Queue, claim and execute a run as the scheduler does, each in its unit of work; the execution
    raises; the failure is recorded in a fresh one. Returns the run's id."""
    with unit_of_work(session):
        run = queue_run(session, name, today=today, actor=None, now=now, trigger=RunTrigger.SCHEDULE)
        begin_run(session, run, now=now)
    run_id = run.id
    with pytest.raises(RuntimeError, match=ERROR), unit_of_work(session):
        execute_run(session, run, now=now)
    with unit_of_work(session):
        fail_run(session, run_id, ERROR, now=now)
    return run_id




def flag_events(session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.subject_type == "flag"))


def test_a_check_failing_mid_way_writes_no_flags(session, now, actors, monkeypatch):
    graduate = membership_in(session, actors, now, "admitted", firm=eligible_firm(session))
    graduate.firm.size_class = SizeClass.MEDIUM
    run_check(session, "pool_hygiene", now, TODAY)
    (kept,) = live_flags(session)
    graduate.firm.size_class = SizeClass.SMALL  # its flag would resolve ...
    removal = membership_in(session, actors, now, "admitted", firm=eligible_firm(session))
    removal.firm.abnormal = True  # ... and this one open
    session.commit()
    before = (flag_events(session), session.scalar(select(func.count()).select_from(Flag)))

    def broken(*args, **kwargs):  # after the resolving and the opening, before the refresh
        raise RuntimeError(ERROR)

    monkeypatch.setattr(flagging, "_refresh", broken)
    run_id = failing_run(session, "pool_hygiene", now + timedelta(hours=1))
    session.expire_all()
    assert (flag_events(session), session.scalar(select(func.count()).select_from(Flag))) == before
    assert [f.id for f in live_flags(session)] == [kept.id] and kept.state == "open"
    failed = session.get(CheckRun, run_id)
    assert (failed.status, failed.error) == (RunStatus.FAILED, ERROR) and failed.finished_at is not None

    monkeypatch.undo()
    clean = run_check(session, "pool_hygiene", now + timedelta(hours=2), TODAY)
    assert (clean.counts["opened"], clean.counts["resolved"]) == (1, 1)
    assert [f.kind for f in live_flags(session)] == [FlagKind.REMOVAL]


def test_a_failing_snapshot_keeps_the_days_rows(session, now, actors, monkeypatch):
    eligible_firm(session)
    run_check(session, "metrics_snapshot", now, TODAY)
    eligible_firm(session)
    session.commit()
    check = CHECKS["metrics_snapshot"]

    def written_then_broken(session, today, policy):
        check.run(session, today, policy)  # deletes the day's rows and writes new ones
        raise RuntimeError(ERROR)

    monkeypatch.setitem(CHECKS, "metrics_snapshot", dataclasses.replace(check, run=written_then_broken))
    run_id = failing_run(session, "metrics_snapshot", now)
    value = session.scalar(select(MetricSnapshot.value).filter_by(taken_on=TODAY, metric="firms.enterprise",
                                                                  district_code=""))
    assert value == 1 and session.get(CheckRun, run_id).status == RunStatus.FAILED
