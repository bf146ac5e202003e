"""The pool member tally (migration 0016) follows every way memberships change — the workflow engine, rows
written directly, deletion, a firm moving district — and the pools' counts read from it equal counting the
members, on any day."""

from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select, update

from models import Firm, PoolMembership, PoolMemberTally
from models.enums import PoolLevel
from tests.factories import SHANGCHENG, XIHU, eligible_firm, make_staff, membership_in, pool_of
from workflows.plans.figures import grouped
from workflows.plans.registry import COMPUTED
from workflows.plans.tallies import compact_tallies
from workflows.plans.window import Scope, Window

NOW = datetime(2026, 11, 20, 2)


def tallied(session) -> Counter:
    t = PoolMemberTally
    rows = session.execute(select(t.level, t.pool_id, t.district_code, func.sum(t.n))
                           .group_by(t.level, t.pool_id, t.district_code))
    return Counter({(level, pool, district): int(n) for level, pool, district, n in rows if n})


def counted(session) -> Counter:
    session.expire_all()
    rows = session.execute(select(PoolMembership.level, PoolMembership.pool_id, Firm.district_code)
                           .join(Firm, Firm.id == PoolMembership.firm_id).where(PoolMembership.state == "admitted"))
    return Counter(tuple(row) for row in rows)


def assert_in_step(session):
    session.flush()
    assert tallied(session) == counted(session)


def member(session, level, state, decided, ended=None, district=XIHU):
    firm = eligible_firm(session, district=district)
    pool = pool_of(session, level, district if level == PoolLevel.COUNTY else None)
    m = PoolMembership(pool_id=pool.id, firm_id=firm.id, level=level, state=state, nominated_at=decided or NOW,
                       decided_at=decided, ended_at=ended, cultivation_type="growth", batch="2021-1",
                       is_active=state in ("nominated", "admitted"), state_entered_at=ended or decided or NOW)
    session.add(m)
    session.flush()
    return m


@pytest.fixture
def members(session):
    """Members of both levels in two districts: admitted before and after the plan's end, removed and graduated
    on either side of it, one still nominated."""
    made = []
    for district in (XIHU, SHANGCHENG):
        for level in (PoolLevel.CITY, PoolLevel.COUNTY):
            made += [member(session, level, "admitted", datetime(2022, 3, 1), district=district),
                     member(session, level, "admitted", datetime(2025, 6, 1), district=district),
                     member(session, level, "removed", datetime(2022, 1, 1), datetime(2024, 2, 1), district),
                     member(session, level, "graduated", datetime(2021, 5, 1), datetime(2023, 6, 1), district),
                     member(session, level, "nominated", None, district=district)]
    return made


def test_the_tally_follows_rows_the_engine_deletion_and_a_move(session, members):
    assert_in_step(session)
    actors = make_staff(session)
    membership_in(session, actors, NOW, "admitted")  # through the workflow engine, committed
    membership_in(session, actors, NOW, "admitted", level=PoolLevel.CITY)
    assert_in_step(session)
    session.execute(update(PoolMembership).where(PoolMembership.id == members[0].id).values(state="removed",
                                                                                           ended_at=NOW))
    members[4].state, members[4].decided_at = "admitted", NOW  # nominated → admitted by the ORM
    assert_in_step(session)
    session.execute(update(Firm).where(Firm.id == members[1].firm_id).values(district_code=SHANGCHENG))
    assert_in_step(session)
    session.execute(delete(PoolMembership).where(PoolMembership.id == members[5].id))
    assert_in_step(session)
    compact_tallies(session)
    assert_in_step(session)


@pytest.mark.parametrize("as_of", [date(2021, 12, 31), date(2023, 12, 31), date(2024, 6, 1), date(2026, 11, 30)])
@pytest.mark.parametrize("district", [None, XIHU])
def test_the_pools_counts_equal_counting_their_members(session, members, as_of, district):
    for key in ("city_pool_members", "county_pool_members"):
        window = Window(date(2021, 1, 1), as_of, Scope(district))
        assert COMPUTED[key].counts(window) is not None
        listed = COMPUTED[key].members(window).subquery()
        want = dict(session.execute(select(listed.c.district_code, func.count()).group_by(listed.c.district_code)).all())
        got = {d: n for d, n, *_ in session.execute(grouped(key, window)) if n}
        assert got == want, (key, as_of, district)
    assert want  # the fixture has members on every day asked


def test_a_filter_the_tally_does_not_key_on_counts_the_members(session, members):
    window = Window(date(2021, 1, 1), date(2026, 11, 30), Scope(industry="C"))
    assert COMPUTED["city_pool_members"].counts(window) is None


def test_the_demo_seed_leaves_the_tally_in_step(session, users):
    from workflows.demo.seed import seed_demo

    seed_demo(session, n_firms=300, seed=3, now=NOW - timedelta(days=1))
    assert tallied(session) and tallied(session) == counted(session)
