"""Fixtures for the HTTP tests: an API client per role, firms, cases and pool memberships made through the
workflows (as city staff unless another actor is named, committed so that the request sees them), CSRF
switched on as in production, and import uploads into the test's tmp dir.

The things under test are the pages and the API; their setup goes through the workflow functions.
"""

from datetime import date

import pytest
from sqlalchemy import select

from tests.factories import PASSWORD, XIHU, firm_payload, uscc
from tests.functional.api import Api, ApiClient
from tests.functional.pool_api import ELIGIBLE, NOMINATION, VALUES, pool_id
from tests.functional.pool_pages import SMALL, county_pool, csrf_in


@pytest.fixture
def api(client, session, users, now):
    return Api(client, session, users, now)


# ------------------------------------------------------------------------------------- firms and cases

@pytest.fixture
def make_firm(session, users, now):
    """Create a firm through the workflow as city staff and commit; returns its USCC."""
    from workflows.firms import create_firm, put_indicators

    def make(indicators: dict | None = None, **overrides) -> str:
        firm = create_firm(session, firm_payload(**overrides), actor=users["city"], now=now)
        for year, figures in (indicators or {}).items():
            put_indicators(session, firm, year, figures, actor=users["city"], now=now)
        session.commit()
        return firm.uscc

    return make


@pytest.fixture
def make_case(session, users, now, make_firm):
    """Open a case on a new firm (or the given one) as city staff; returns the case id."""
    from models import Firm
    from workflows.ladder import open_case

    def make(kind: str, firm_uscc: str | None = None, **firm_overrides) -> int:
        code = firm_uscc or make_firm(**firm_overrides)
        firm = session.query(Firm).filter_by(uscc=code).one()
        case = open_case(session, firm, kind, actor=users["city"], now=now)
        session.commit()
        return case.id

    return make


@pytest.fixture
def firms(session, users, now):
    """Create firms through the workflow as city staff: firms(name=..., district=...) -> Firm."""
    from workflows.firms import create_firm, put_indicators, update_firm

    def make(indicators=None, flags=None, **overrides):
        firm = create_firm(session, firm_payload(**overrides), actor=users["city"], now=now)
        for year, figures in (indicators or {}).items():
            put_indicators(session, firm, year, figures, actor=users["city"], now=now)
        if flags:
            update_firm(session, firm, flags, actor=users["city"], now=now)
        session.commit()
        return firm

    return make


@pytest.fixture
def story(firms, session, users, now):
    """A 西湖区 firm with two years of figures (a loss in one), an edit, a completed 小升规 and an abandoned
    规改股 attempt, each step a day apart."""
    from datetime import timedelta

    from workflows.firms import update_firm
    from workflows.ladder import open_case
    from workflows.machine import fire

    firm = firms(name="杭州西溪精密机械有限公司", indicators={
        2023: {"revenue": "1800", "profit": "-12.5", "employees": 60, "total_assets": "900"},
        2024: {"revenue": "2500", "profit": "130.25", "tax": "88", "employees": 80},
    })
    city = users["city"]
    update_firm(session, firm, {"tags": ["equipment", "information"], "tech_sme": True}, actor=city,
                now=now + timedelta(days=1), comment="根据年报核实")
    case = open_case(session, firm, "small_to_scale", actor=users["xihu"], now=now + timedelta(days=2))
    for day, action in [(3, "start_cultivation"), (4, "declare"), (5, "approve")]:
        fire(session, case, action, actor=city, now=now + timedelta(days=day), expected_version=case.version)
    stock = open_case(session, firm, "scale_to_stock", actor=city, now=now + timedelta(days=6))
    session.commit()
    return firm, case, stock


# ------------------------------------------------------------------------------------- pool memberships

@pytest.fixture
def eligible(make_firm):
    """A new eligible firm (小型, active enterprise with figures); returns its USCC."""
    def make(district: str = XIHU, **overrides) -> str:
        return make_firm(indicators=ELIGIBLE, district=district, **overrides)
    return make


@pytest.fixture
def member(session, users, now, eligible):
    """A membership in a given state, set up through the workflow; returns its id.

    `level="city"` first admits the firm to its county pool. `by` names the nominator (a key of `users`).
    """
    from models import Firm, Pool
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


@pytest.fixture
def colleague(client, session, users, now):
    """A second 西湖区 officer with a token: the other pair of eyes."""
    from workflows.users import create_user, issue_token

    user = create_user(session, "xihu2", PASSWORD, "county_officer", district=XIHU, now=now)
    token = issue_token(session, user, now=now)
    session.commit()
    return ApiClient(client, token)


@pytest.fixture
def pool_firm(session, users, now):
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


@pytest.fixture
def nominated(session, users, now):
    """nominated(firm, by="xihu", pool=None, at=now, **fields) -> the committed PoolMembership."""
    from workflows.membership import nominate

    def make(firm, by="xihu", pool=None, at=None, reason="成长性好", cultivation_type="growth", batch="2026-1"):
        pool = pool or county_pool(session, firm.district_code)
        membership = nominate(session, pool, firm, reason=reason, cultivation_type=cultivation_type, batch=batch,
                              actor=users[by], now=at or now)
        session.commit()
        return membership

    return make


@pytest.fixture
def admitted(session, users, now, nominated):
    """admitted(firm, pool=None, nominator="xihu", decider="city") -> the committed, admitted membership."""
    from workflows.membership import act

    def make(firm, pool=None, nominator="xihu", decider="city", at=None, **fields):
        membership = nominated(firm, by=nominator, pool=pool, at=at, **fields)
        act(session, membership, "admit", actor=users[decider], now=at or now, expected_version=membership.version)
        session.commit()
        return membership

    return make


# ------------------------------------------------------------------------------------- CSRF, uploads

@pytest.fixture
def csrf_app(app, monkeypatch):
    """The app with CSRF on, as in production (TestConfig turns it off), for this test only."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    return app


@pytest.fixture
def csrf_client(app, users, monkeypatch):
    """csrf_client("city"): a new client logged in through the real form, CSRF on from then on (the setup
    before it posts without tokens)."""
    def login_as(username: str):
        monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
        client = app.test_client()
        token = csrf_in(client.get("/login").get_data(as_text=True))
        response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 302
        return client

    return login_as


@pytest.fixture
def uploads(app, tmp_path, monkeypatch):
    """Uploads go to the test's tmp dir and imports run inline (in their own app context and session)."""
    monkeypatch.setitem(app.config, "IMPORT_UPLOAD_DIR", str(tmp_path / "uploads"))
    monkeypatch.setitem(app.config, "RUN_QUEUED_INLINE", True)
    return tmp_path / "uploads"


# ------------------------------------------------------------------------------------- flags (工作提醒)

@pytest.fixture
def flagged(session, users, now):
    """Flags raised by the real `upgrade_candidates` check, committed. In 西湖区: a 临规 firm (小型, eligible for
    the pools), a 达标 firm and an individual business over the 个转企 line; in 上城区: a 达标 firm.
    Returns {"near", "ready", "individual", "other"} -> Flag."""

    from models import Flag
    from models.enums import SizeClass, Stage
    from tests import factories

    made = {
        "near": factories.make_firm(session, Stage.ENTERPRISE, revenue="1700", size_class=SizeClass.SMALL,
                                    registered_on=date(2018, 5, 1)),
        "ready": factories.make_firm(session, Stage.ENTERPRISE, revenue="2500"),
        "individual": factories.make_firm(session, Stage.INDIVIDUAL, revenue="600"),
        "other": factories.make_firm(session, Stage.ENTERPRISE, district=factories.SHANGCHENG, revenue="2500"),
    }
    factories.run_check(session, "upgrade_candidates", now, date(2026, 11, 30))
    session.commit()
    return {key: session.scalar(select(Flag).where(Flag.firm_id == firm.id)) for key, firm in made.items()}


# ------------------------------------------------------------------------------------- 成长之星

@pytest.fixture
def star(session, users):
    """Five eligible county members, committed: in 西湖区 A (the leader), B, E (no candidate at factor 1),
    in 上城区 C and D (D leads). Returns {"A".."E": Firm}; `star_open` adds a nominating campaign."""
    from tests.factories import SHANGCHENG, figures, star_member

    made = {
        "A": star_member(session, users, now2024=figures(100, 10, 10), now2025=figures(150, 12, 12, 15, 3)),
        "B": star_member(session, users, now2024=figures(100, 10, 20), now2025=figures(110, 15, 20, 5, 2)),
        "E": star_member(session, users, now2024=figures(100, 10, 10), now2025=figures(90, 9, 9, 0, 0)),
        "C": star_member(session, users, district=SHANGCHENG, now2024=figures(200, 1, 10), now2025=figures(220, 1, 11)),
        "D": star_member(session, users, district=SHANGCHENG, now2024=figures(100, 5, 5), now2025=figures(150, 8, 6)),
    }
    session.commit()
    return made


@pytest.fixture
def star_open(session, users, now, star):
    """The 2026 campaign, nominating until 2026-12-31: 15 places (西湖区 and 上城区 2 each), factor 1, so A, B,
    C and D are the candidates and E is not."""
    from tests.factories import star_campaign

    campaign = star_campaign(session, users["city"], now=now, total=15, factor=1,
                             nomination_deadline="2026-12-31", review_deadline="2027-01-31")
    session.commit()
    return campaign


@pytest.fixture
def inline_runs(app, monkeypatch):
    """Queued runs (a campaign's screening) execute at once, in their own app context, as the tests need."""
    monkeypatch.setitem(app.config, "RUN_QUEUED_INLINE", True)


# ------------------------------------------------------------------------------------- the access matrix

@pytest.fixture(scope="module")
def matrix_world(app, tmp_path_factory):
    """tests/functional/world.py's world, built once per module inside an outer transaction rolled back at
    its end; queued runs stay queued (nothing runs outside the request's connection)."""
    from models import db
    from tests.database import rolled_back
    from tests.functional.world import build_world

    inline = app.config["RUN_QUEUED_INLINE"]
    app.config["RUN_QUEUED_INLINE"] = False
    try:
        with app.app_context(), rolled_back(db):
            yield build_world(db.session, tmp_path_factory.mktemp("matrix"))
    finally:
        app.config["RUN_QUEUED_INLINE"] = inline


@pytest.fixture
def savepoint(matrix_world):
    """savepoint() -> a block whose writes (the requests' commits included) are rolled back when it ends.
    The throttle's counters start at zero for each test, as `ctx` does (the anonymous' refused tokens count)."""
    from contextlib import contextmanager

    from models import db
    from pool.extensions import limiter

    limiter.reset()

    @contextmanager
    def block():
        db.session.remove()
        connection = db.session().bind
        nested = connection.begin_nested()
        try:
            yield db.session
        finally:
            db.session.remove()
            nested.rollback()

    return block
