"""Helpers for the pool and membership API tests: eligible firms, memberships set up through the workflow.

Import the fixtures as `eligible_fixture` etc. (pytest finds them by their `name`). Setup goes through `membership.nominate` / `membership.act` (the thing under test is the HTTP edge), as
city staff unless another actor is named, and commits so the request sees it.
"""

import pytest
from sqlalchemy import func, select

from models import AuditEvent, Firm, Pool, PoolMembership
from tests.functional.conftest import XIHU, ApiClient

ELIGIBLE = {2025: {"revenue": 800, "employees": 30}}  # 工业 C39: 小型
NOMINATION = {"reason": "近两年营业收入增长较快", "cultivation_type": "growth", "batch": "2026-1"}
VALUES = {"reject": {"reason": "材料不全"}, "remove": {"reason": "violation"}, "graduate": {"reason": "scaled_up"}}


def pool_id(session, district: str | None = None) -> int:
    """The county pool of `district`, or the city pool."""
    level = "county" if district else "city"
    return session.scalar(select(Pool.id).filter_by(level=level, district_code=district))


def counts(session) -> tuple[int, int]:
    """(memberships, audit events): a refused request changes neither."""
    return (session.scalar(select(func.count()).select_from(PoolMembership)),
            session.scalar(select(func.count()).select_from(AuditEvent)))


@pytest.fixture(name="eligible")
def eligible_fixture(make_firm):
    """A new eligible firm (小型, active enterprise with figures); returns its USCC."""
    def make(district: str = XIHU, **overrides) -> str:
        return make_firm(indicators=ELIGIBLE, district=district, **overrides)
    return make


@pytest.fixture(name="member")
def member_fixture(session, users, now, eligible):
    """A membership in a given state, set up through the workflow; returns its id.

    `level="city"` first admits the firm to its county pool. `by` names the nominator (a key of `users`).
    """
    from workflows.membership import act, nominate

    def make(state: str = "nominated", *, district: str = XIHU, level: str = "county", by: str = "city",
             uscc: str | None = None, **nomination) -> int:
        firm = session.scalar(select(Firm).filter_by(uscc=uscc or eligible(district=district)))
        if level == "city":
            county = nominate(session, session.get(Pool, pool_id(session, firm.district_code)), firm,
                              actor=users["city"], now=now, **NOMINATION)
            act(session, county, "admit", actor=users["city"], now=now, expected_version=county.version)
        pool = session.get(Pool, pool_id(session, firm.district_code if level == "county" else None))
        m = nominate(session, pool, firm, actor=users[by], now=now, **{**NOMINATION, **nomination})
        path = {"nominated": [], "admitted": ["admit"], "rejected": ["reject"], "withdrawn": ["withdraw"],
                "removed": ["admit", "remove"], "graduated": ["admit", "graduate"]}[state]
        for action in path:
            act(session, m, action, actor=users["city"], now=now, expected_version=m.version,
                values=VALUES.get(action))
        session.commit()
        return m.id

    return make


@pytest.fixture(name="colleague")
def colleague_fixture(client, session, users, now):
    """A second 西湖区 officer with a token: the other pair of eyes."""
    from workflows.users import create_user, issue_token

    user = create_user(session, "xihu2", "password1", "county_officer", district=XIHU, now=now)
    token = issue_token(session, user, now=now)
    session.commit()
    return ApiClient(client, token)
