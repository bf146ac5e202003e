"""Shared fixtures. Every database test runs on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL.

Each backend gets a fresh database built by the real migrations (an SQLite file; a PostgreSQL schema of
its own, dropped afterwards, so concurrent runs never collide). Tables are emptied between tests.
"""

import os
import uuid
from datetime import datetime

import pytest
from sqlalchemy import create_engine, text

from config import TestConfig

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
IN_CI = os.environ.get("CI", "").lower() == "true"
NOW = datetime(2026, 11, 30, 2, 0, 0)  # 10:00 in Hangzhou
DATA_TABLES = ("import_runs", "audit_events", "pool_memberships", "upgrade_cases", "annual_indicators", "api_tokens", "firms", "users")


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
def ctx(app):
    """An app context with an empty database (districts and pools as migrated) for one test."""
    with app.app_context():
        yield app
        reset_database(app)


def reset_database(app) -> None:
    """Empty the data tables and put the pools back as migrated (inside an app context); module-scoped
    fixtures that seed a whole register (the demo tests) call it too."""
    from models import db

    db.session.rollback()
    db.session.remove()
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(DATA_TABLES)} RESTART IDENTITY CASCADE"))
        else:
            for table in DATA_TABLES:
                conn.execute(text(f"DELETE FROM {table}"))
        conn.execute(text("UPDATE pools SET target = :target, capacity = :capacity, admit_seq = 0 WHERE id = :id"),
                     app.config["POOL_SNAPSHOT"])


@pytest.fixture
def session(ctx):
    from models import db

    return db.session


@pytest.fixture
def now():
    return NOW


@pytest.fixture
def users(session, now):
    """One user per role, plus officers of 西湖区 (330106) and 上城区 (330102)."""
    from workflows.users import create_user

    made = {
        "admin": create_user(session, "admin", "password1", "admin", district=None, now=now),
        "city": create_user(session, "city", "password1", "city_staff", district=None, now=now),
        "leader": create_user(session, "leader", "password1", "leader", district=None, now=now),
        "xihu": create_user(session, "xihu", "password1", "county_officer", district="330106", now=now),
        "shangcheng": create_user(session, "shangcheng", "password1", "county_officer", district="330102",
                                  now=now),
    }
    session.commit()
    return made


@pytest.fixture
def client(ctx):
    return ctx.test_client()
