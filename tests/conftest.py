"""Shared fixtures. Every database test runs on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL.

Database. Each backend gets a fresh database built by the real migrations (an SQLite file; a PostgreSQL schema
of its own, dropped afterwards, so concurrent runs never collide). A test's `ctx` binds `db.session` to one
connection inside a transaction that is rolled back when the test ends: the session's (and so every
request's and command's) commits only release SAVEPOINTs, and nothing the test wrote outlives it. A test that
needs its data committed for real, because other connections or sessions must see it (racing clients on
their own engine, an import run in an app context or thread of its own), is marked `@pytest.mark.committed_db`; its data tables are emptied
after it instead (TRUNCATE on PostgreSQL, DELETE on SQLite), and the pools put back as migrated.

Clock. The web layer reads the time only through `pool.clock`; the autouse `clock` fixture pins it to `NOW`
(2026-11-30 10:00 in Hangzhou) for every test, so pages, API, commands and import runs see one fixed moment.
A test moves it with `clock.at = now + timedelta(days=3)`; workflow calls take `now` from the `now` fixture.
`pytest --clock-shift-years=2` runs the suite with the real wall clock moved two years ahead (time-machine):
a test that passes only around the day it was written fails there. Module-scoped fixtures, which the
function-scoped `clock` does not reach, pass `NOW` explicitly.
"""

import os
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text

from config import TestConfig
from tests.database import reset_database, rolled_back
from tests.factories import NOW, PASSWORD

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
IN_CI = os.environ.get("CI", "").lower() == "true"


# ------------------------------------------------------------------------------------------ the clock

def pytest_addoption(parser):
    parser.addoption("--clock-shift-years", type=int, default=0, metavar="N",
                     help="run with the real wall clock moved N years ahead (proves no test depends on today)")


def pytest_configure(config):
    years = config.getoption("--clock-shift-years")
    if years:
        import time_machine

        real = datetime.now(UTC)
        shifted = real.replace(year=real.year + years, day=min(real.day, 28) if real.month == 2 else real.day)
        config._clock_travel = time_machine.travel(shifted, tick=True)
        config._clock_travel.start()


def pytest_unconfigure(config):
    travel = getattr(config, "_clock_travel", None)
    if travel is not None:
        travel.stop()


def pytest_report_header(config):
    if getattr(config, "_clock_travel", None) is not None:
        return f"wall clock shifted {config.getoption('--clock-shift-years')} years: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    return None


class Clock:
    """What `pool.clock.now()` returns in a test (naive UTC); `today()` follows it in Hangzhou time."""

    def __init__(self, at: datetime):
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def now():
    return NOW


@pytest.fixture(autouse=True)
def clock(monkeypatch, now):
    pinned = Clock(now)
    monkeypatch.setattr("pool.clock.source", pinned)
    return pinned


# ------------------------------------------------------------------------------------------ the database

@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """scrypt is right for production and far too slow for hundreds of test users."""
    from functools import partial

    import models.user

    original = models.user.generate_password_hash
    models.user.generate_password_hash = partial(original, method="pbkdf2:sha256:1000")
    yield
    models.user.generate_password_hash = original


def _backends() -> list[str]:
    if TEST_DATABASE_URL:
        return ["sqlite", "postgresql"]
    if IN_CI:
        raise pytest.UsageError("CI=true but TEST_DATABASE_URL is not set: PostgreSQL tests cannot run")
    return ["sqlite"]


def _pg_url(schema: str) -> str:
    base = TEST_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(scope="session", params=_backends())
def database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(TEST_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # no service: a failure under CI, a loud error elsewhere too
        pytest.fail(f"PostgreSQL at TEST_DATABASE_URL is not reachable: {exc}")
    yield _pg_url(schema)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(scope="session")
def app(database_url):
    from flask_migrate import upgrade

    from models import db
    from pool import create_app

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_url

    app = create_app(Config)
    with app.app_context():
        upgrade()
        # Pools are reference data seeded by the migration; tests may edit them, so keep the original rows.
        app.config["POOL_SNAPSHOT"] = [
            dict(row._mapping) for row in db.session.execute(text("SELECT id, target, capacity FROM pools"))
        ]
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def ctx(app, request):
    """An app context with an empty database (districts and pools as migrated) for one test."""
    from models import db
    from pool.extensions import limiter

    with app.app_context(), _user_per_request(app):
        limiter.reset()  # the throttle's counters (memory) live as long as the app: each test starts at zero
        if request.node.get_closest_marker("committed_db"):
            yield app
            _assert_audited(db)
            reset_database(app)
        else:
            with rolled_back(db):
                yield app
                _assert_audited(db)


def _assert_audited(db) -> None:
    """What the test left committed: each workflow subject's audit events chain to its current state."""
    from tests.audit_trail import unaudited

    db.session.rollback()
    wrong = unaudited(db.session.connection())
    db.session.rollback()
    assert not wrong, f"state changes without exactly one audit event (table, id, state, events): {wrong[:5]}"


@pytest.fixture(autouse=True, scope="session")
def _watch_audit_rewrites():
    """Every statement of the run is watched for an UPDATE or DELETE of audit_events (tests/audit_trail.py)."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from tests.audit_trail import WATCH

    event.listen(Engine, "before_cursor_execute", WATCH)
    yield WATCH
    event.remove(Engine, "before_cursor_execute", WATCH)


@pytest.fixture(autouse=True)
def _no_audit_rewrites(_watch_audit_rewrites):
    """A test during which any code path sent an UPDATE or DELETE of audit_events fails, naming it."""
    _watch_audit_rewrites.seen.clear()
    yield
    seen, _watch_audit_rewrites.seen[:] = list(_watch_audit_rewrites.seen), []
    assert not seen, f"audit events updated or deleted: {seen}"


@contextmanager
def _user_per_request(app):
    """Requests of a test share its app context, so `g` too: forget Flask-Login's user at each request, as
    a server does, or one client's login would answer for another (and a cookie would never be reloaded)."""
    from flask import g, request_started

    def forget(sender, **extra):
        g.pop("_login_user", None)

    request_started.connect(forget, app)
    try:
        yield
    finally:
        request_started.disconnect(forget, app)


@pytest.fixture
def session(ctx):
    from models import db

    return db.session


@pytest.fixture
def users(session, now):
    """One user per role, plus officers of 西湖区 (330106) and 上城区 (330102)."""
    from workflows.users import create_user

    made = {
        "admin": create_user(session, "admin", PASSWORD, "admin", district=None, now=now),
        "city": create_user(session, "city", PASSWORD, "city_staff", district=None, now=now),
        "leader": create_user(session, "leader", PASSWORD, "leader", district=None, now=now),
        "xihu": create_user(session, "xihu", PASSWORD, "county_officer", district="330106", now=now),
        "shangcheng": create_user(session, "shangcheng", PASSWORD, "county_officer", district="330102",
                                  now=now),
    }
    session.commit()
    return made


@pytest.fixture
def client(ctx):
    return ctx.test_client()


@pytest.fixture
def beacons(ctx):
    """The scheduler's heartbeats and leases on the test database (files beside SQLite's, rows on
    PostgreSQL: both outside the test's rolled-back transaction), empty before the test and after it."""
    from models import db
    from pool.scheduler.beacons import beacons_for

    found = beacons_for(db.engine)
    _empty_beacons(db.engine, found)
    yield found
    _empty_beacons(db.engine, found)


def _empty_beacons(engine, found) -> None:
    import shutil

    from pool.scheduler.beacons import FileBeacons

    if isinstance(found, FileBeacons):
        shutil.rmtree(found.directory, ignore_errors=True)
        return
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM run_leases"))
        conn.execute(text("DELETE FROM scheduler_processes"))


@pytest.fixture
def scheduler(app, beacons, monkeypatch):
    """scheduler(token=None) -> a `pool.scheduler.service.Service` on the test database, not started: a test
    calls its jobs (`beat()`, `tick()`, `fire(name)`); `service.workers.shutdown(wait=True)` waits until its
    workers have executed what they claimed (and what was queued meanwhile). Its cron
    schedule is upgrade_candidates' alone, so a test fires only what it means to."""
    from pool.scheduler.service import Service

    monkeypatch.setitem(app.config, "SCHEDULER_CRON", {"upgrade_candidates": "0 2 * * *"})
    made = []

    def make(token: str | None = None) -> Service:
        service = Service(app, token=token)
        made.append(service)
        return service

    yield make
    for service in made:
        service.workers.shutdown(wait=True)
        service.leader.release()

