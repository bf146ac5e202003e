"""`pool_memberships.scope_district` (migration 0018) is kept by the database on every write path and always
equals the Python rule (`PoolMembership.district_code`: a county pool's district, the city pool member's firm's),
so the pools panel's district counts, read by it, equal counting through the firms."""

from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update

from models import Firm, Pool, PoolMembership
from models.enums import PoolLevel
from tests.factories import SHANGCHENG, XIHU, make_staff, membership_in
from tests.integration.test_pool_member_tallies import NOW, member
from workflows.plans.pools_panel import decided_per_month, endings
from workflows.plans.window import Scope


def assert_kept(session):
    session.flush()
    session.expire_all()
    memberships = session.scalars(select(PoolMembership)).all()
    assert memberships
    assert [(m.id, m.scope_district) for m in memberships] == [(m.id, m.district_code) for m in memberships]


def some_members(session):
    return [member(session, level, state, decided, ended, district)
            for district in (XIHU, SHANGCHENG) for level in (PoolLevel.CITY, PoolLevel.COUNTY)
            for state, decided, ended in (("admitted", datetime(2026, 3, 1), None),
                                          ("removed", datetime(2026, 1, 5), datetime(2026, 6, 1)),
                                          ("rejected", datetime(2026, 2, 1), None))]


def test_every_write_path_keeps_the_district(session):
    made = some_members(session)  # ORM inserts
    assert_kept(session)
    actors = make_staff(session)
    membership_in(session, actors, NOW, "admitted")  # the workflow engine
    membership_in(session, actors, NOW, "admitted", level=PoolLevel.CITY)
    assert_kept(session)
    city = next(m for m in made if m.level == PoolLevel.CITY)
    county = next(m for m in made if m.level == PoolLevel.COUNTY)
    session.execute(update(Firm).where(Firm.id.in_([city.firm_id, county.firm_id])).values(district_code=SHANGCHENG))
    assert_kept(session)  # the city member moved with its firm; the county member stays its pool's
    other = session.scalar(select(Pool).where(Pool.district_code == SHANGCHENG))
    session.execute(update(PoolMembership).where(PoolMembership.id == county.id).values(pool_id=other.id))
    assert_kept(session)


def test_the_demo_seed_keeps_the_district(session, users):
    from workflows.demo.seed import seed_demo

    seed_demo(session, n_firms=300, seed=3, now=NOW - timedelta(days=1))
    assert_kept(session)


def counted_through_firms(session, district: str, time_column, start: datetime, end: datetime) -> int:
    m = PoolMembership
    county = select(func.count()).select_from(m).join(Pool, Pool.id == m.pool_id).where(
        m.level == PoolLevel.COUNTY, Pool.district_code == district, time_column >= start, time_column < end)
    city = select(func.count()).select_from(m).join(Firm, Firm.id == m.firm_id).where(
        m.level == PoolLevel.CITY, Firm.district_code == district, time_column >= start, time_column < end)
    return session.scalar(county) + session.scalar(city)


def test_a_districts_pools_panel_equals_counting_through_the_firms(session):
    made = some_members(session)
    moved = next(m for m in made if m.level == PoolLevel.CITY and m.state == "removed")
    session.execute(update(Firm).where(Firm.id == moved.firm_id).values(district_code=SHANGCHENG))
    session.flush()
    year = (date(2026, 1, 1), date(2026, 11, 30))
    span = (datetime(2025, 12, 31, 16), datetime(2026, 11, 30, 16))  # Hangzhou days in UTC
    for district in (XIHU, SHANGCHENG):
        decided = sum(r["admitted"] + r["rejected"] for r in decided_per_month(session, Scope(district), *year))
        assert decided == counted_through_firms(session, district, PoolMembership.decided_at, *span)
        ended = sum(r["count"] for r in endings(session, Scope(district), *year))
        assert ended == counted_through_firms(session, district, PoolMembership.ended_at, *span)
    assert sum(r["count"] for r in endings(session, Scope(SHANGCHENG), *year)) == 3  # its own two and the mover
