"""Helpers for the pool page tests: eligible firms, nominations and admissions made through the workflow,
the pools by district, a fixed clock, logging in as someone else, and a client with CSRF switched on.

Imported by the four pool page test modules (`test_pool_pages`, `test_review_pages`, `test_nominate_pages`,
`test_pool_admin_pages`); fixtures are named with `name=` so importing them does not shadow arguments.
"""

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from models import AuditEvent, Pool, PoolMembership
from tests.conftest import NOW
from tests.functional import pages
from tests.functional.conftest import SHANGCHENG, XIHU, firm_payload, uscc
from tests.functional.pages import page

EVIL = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
SMALL = {2025: {"revenue": "800", "employees": 30, "total_assets": "500"}}  # C39: 小型
LARGE = {2025: {"revenue": "90000", "employees": 1200, "total_assets": "80000"}}  # C39: 大型

__all__ = ["EVIL", "ESCAPED", "SHANGCHENG", "XIHU", "NOW", "login", "page", "uscc"]


def login(client, username: str) -> None:
    """Log in and read the welcome message, so a test's flash list holds only what its own step said."""
    pages.login(client, username)
    client.get("/")


def switch(client, username: str) -> None:
    client.post("/logout")
    login(client, username)


def county_pool(session, district: str = XIHU) -> Pool:
    return session.scalar(select(Pool).where(Pool.level == "county", Pool.district_code == district))


def city_pool(session) -> Pool:
    return session.scalar(select(Pool).where(Pool.level == "city"))


def csrf_in(html: str) -> str:
    return re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html).group(1)


def audit_count(session, subject_type: str) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.subject_type == subject_type))


def reload(session, membership_id: int) -> PoolMembership:
    session.rollback()  # see what the request committed
    return session.get(PoolMembership, membership_id)


@pytest.fixture(name="clock")
def clock_fixture(monkeypatch):
    """The pages read `pool.clock`; pin it to the tests' NOW (2026-11-30 10:00 in Hangzhou)."""
    monkeypatch.setattr("pool.clock.now", lambda: NOW)
    monkeypatch.setattr("pool.clock.today", lambda: date(2026, 11, 30))
    return NOW


@pytest.fixture(name="pool_firm")
def pool_firm_fixture(session, users, now):
    """An eligible (小型, 存续, 规下) firm by default: pool_firm(name=..., district=..., indicators=...)."""
    from workflows.firms import create_firm, put_indicators, update_firm

    def make(indicators=SMALL, flags=None, **overrides):
        district = overrides.get("district", XIHU)
        overrides.setdefault("uscc", uscc(district))
        firm = create_firm(session, firm_payload(**overrides), actor=users["city"], now=now)
        for year, figures in (indicators or {}).items():
            put_indicators(session, firm, year, figures, actor=users["city"], now=now)
        if flags:
            update_firm(session, firm, flags, actor=users["city"], now=now)
        session.commit()
        return firm

    return make


@pytest.fixture(name="nominated")
def nominated_fixture(session, users, now):
    """nominated(firm, by="xihu", pool=None, at=NOW, **fields) -> the committed PoolMembership."""
    from workflows.membership import nominate

    def make(firm, by="xihu", pool=None, at=None, reason="成长性好", cultivation_type="growth", batch="2026-1"):
        pool = pool or county_pool(session, firm.district_code)
        membership = nominate(session, pool, firm, reason=reason, cultivation_type=cultivation_type, batch=batch,
                              actor=users[by], now=at or now)
        session.commit()
        return membership

    return make


@pytest.fixture(name="admitted")
def admitted_fixture(session, users, now, nominated):
    """admitted(firm, pool=None, nominator="xihu", decider="city") -> the committed, admitted membership."""
    from workflows.membership import act

    def make(firm, pool=None, nominator="xihu", decider="city", at=None, **fields):
        membership = nominated(firm, by=nominator, pool=pool, at=at, **fields)
        act(session, membership, "admit", actor=users[decider], now=at or now, expected_version=membership.version)
        session.commit()
        return membership

    return make


@pytest.fixture(name="csrf_client")
def csrf_client_fixture(database_url, users):
    """A client of an app with CSRF on, as in production: csrf_client("city") logs in through the form."""
    from config import TestConfig
    from models import db
    from pool import create_app

    class CsrfConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        WTF_CSRF_ENABLED = True

    app = create_app(CsrfConfig)
    client = app.test_client()

    def login_as(username: str):
        token = csrf_in(client.get("/login").get_data(as_text=True))
        response = client.post("/login", data={"username": username, "password": "password1", "csrf_token": token})
        assert response.status_code == 302
        return client

    yield login_as
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def flashes(html: str) -> list[str]:
    return [m.strip() for m in re.findall(r'<div class="alert alert-\w+ alert-dismissible[^>]*>\s*([^<]*)<', html)]


def table_rows(html: str, table_id: str, attr: str) -> list[str]:
    """The `data-<attr>` values of the rows of one table, in page order."""
    start = html.index(f'id="{table_id}"')
    body = html[start:html.index("</table>", start)]
    return re.findall(rf'<tr[^>]* data-{attr}="([^"]*)"', body)


def row_html(html: str, table_id: str, attr: str, value) -> str:
    start = html.index(f'id="{table_id}"')
    body = html[start:html.index("</table>", start)]
    at = body.index(f'data-{attr}="{value}"')
    return body[at:body.index("</tr>", at)]
