"""The demo's pools: the split applied by the admin, the pools filled as the membership workflow would have
filled them (states, versions, events, actors, four eyes, the cascade), and the fill within its ranges.

One seeded register per backend (module scope); the tests that act on it through the engine come last.
"""

import random
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from models import AuditEvent, Firm, Pool, PoolMembership, User, db
from models.enums import GRADUATE_REASONS, REMOVE_REASONS, Role
from tests.database import reset_database
from tests.factories import NOW
from workflows.demo.pools import COUNTY_FILL, Candidate, Planner
from workflows.demo.seed import seed_demo
from workflows.errors import NotPermitted
from workflows.machine import permitted
from workflows.membership import MEMBERSHIP, act, eligibility_reasons
from workflows.pools import county_total, eligible_counts, pool_counts, propose_split
from workflows.timefmt import local_date

N, SEED = 3_000, 11
TODAY = local_date(NOW)


@pytest.fixture(scope="module")
def seeded(app):
    with app.app_context():
        summary = seed_demo(db.session, n_firms=N, seed=SEED, now=NOW)
        db.session.commit()
        yield summary
        reset_database(app)


@pytest.fixture
def session(seeded):
    return db.session


@pytest.fixture
def memberships(session):
    return session.scalars(select(PoolMembership).order_by(PoolMembership.id)).all()


def unnoticed(session, memberships) -> dict[int, PoolMembership]:
    """Active members whose firm has left the rules since admission: what pool_hygiene is there to find."""
    return {m.id: m for m in memberships if m.is_active and eligibility_reasons(session, m.firm, TODAY)}


def county_pools(session) -> list[Pool]:
    return session.scalars(select(Pool).where(Pool.level == "county").order_by(Pool.district_code)).all()


# ------------------------------------------------------------------------------------ targets and fill


def test_the_admin_applied_the_proposed_split(session):
    pools = county_pools(session)
    assert {p.district_code: p.target for p in pools} == propose_split(session, TODAY)
    assert sum(p.target for p in pools) == county_total()
    events = session.scalars(select(AuditEvent).filter_by(subject_type="pool", action="update")).all()
    assert len(events) == 13 and {e.actor_name for e in events} == {"admin"}


def test_county_pools_hold_only_what_their_district_can(session, memberships):
    """At this size the targets exceed the eligible firms: each pool is filled up to them, never past (the
    members nobody has noticed leaving the rules aside)."""
    counts, eligible = pool_counts(session), eligible_counts(session, TODAY)
    stale = Counter(m.pool_id for m in unnoticed(session, memberships).values())
    for pool in county_pools(session):
        admitted = counts.get(pool.id, {}).get("admitted", 0)
        active = admitted + counts.get(pool.id, {}).get("nominated", 0) - stale[pool.id]
        assert 0 < admitted <= pool.target
        assert active <= eligible[pool.district_code]
        assert active >= 0.8 * eligible[pool.district_code], pool.name  # nearly all of them were taken


def test_every_district_has_a_review_queue_with_both_kinds_of_nominator(session, memberships):
    officers = {u.id for u in session.scalars(select(User).filter_by(role=Role.COUNTY_OFFICER))}
    by_district = defaultdict(Counter)
    for m in memberships:
        if m.state == "nominated" and m.level == "county":
            by_district[m.pool.district_code]["officer" if m.nominated_by_id in officers else "city"] += 1
    assert len(by_district) == 13
    assert all(c["officer"] >= 1 and c["city"] >= 1 for c in by_district.values()), by_district


def test_the_city_pool_holds_only_admitted_county_members(session, memberships):
    county = {m.firm_id: m for m in memberships if m.level == "county"}
    city = [m for m in memberships if m.level == "city"]
    assert city and any(m.state == "admitted" for m in city) and any(m.state == "nominated" for m in city)
    for m in city:
        partner = county[m.firm_id]
        assert partner.decided_at < m.nominated_at
        if m.is_active:
            assert partner.state == "admitted"
        else:  # ended by the cascade: with its county membership, for the same reason
            assert (m.state, m.end_reason, m.ended_at) == (partner.state, partner.end_reason, partner.ended_at)


def test_removals_and_graduations_carry_reason_codes(memberships):
    ended = Counter((m.state, m.end_reason) for m in memberships if m.state in ("removed", "graduated"))
    assert {reason for state, reason in ended if state == "removed"} <= set(REMOVE_REASONS)
    assert {reason for state, reason in ended if state == "graduated"} <= set(GRADUATE_REASONS)
    assert sum(n for (state, _), n in ended.items() if state == "removed") >= 13
    assert sum(n for (state, _), n in ended.items() if state == "graduated") >= 1
    assert {m.state for m in memberships} == set(MEMBERSHIP.states)


def test_the_summary_prints_pool_fill(seeded):
    text = seeded.describe()
    assert "市级培育库" in text and "县级培育库合计" in text and "待审核" in text
    assert seeded.memberships > 0 and len(seeded.pools) == 14


# ---------------------------------------------------------------- what the engine would have written


def test_active_members_are_eligible_today_but_the_unnoticed_whom_the_hygiene_check_flags(session, memberships):
    from models import Flag
    from models.enums import RunTrigger
    from workflows.checks.runs import run_inline

    for m in memberships:
        if not m.is_active:
            assert m.state in {s.name for s in MEMBERSHIP.states.values() if s.final}
    stale = unnoticed(session, memberships)
    assert stale and {m.state for m in stale.values()} == {"admitted"}
    assert len(stale) < 0.05 * sum(m.state == "admitted" for m in memberships)
    run_inline(session, "pool_hygiene", today=TODAY, actor=None, now=NOW, trigger=RunTrigger.CLI)
    flagged = set(session.scalars(select(Flag.subject_id).where(Flag.subject_type == "membership",
                                                                Flag.kind.in_(["removal", "graduation"]))))
    session.rollback()
    assert set(stale) <= flagged


def test_each_membership_replays_through_the_workflow(session, memberships):
    """Its events form a path of the graph from `nominated` to its state; version, timestamps and actors
    agree with that path; every actor was permitted the action (role, district, four eyes)."""
    users = {u.id: u for u in session.scalars(select(User))}
    events = defaultdict(list)
    for e in session.scalars(select(AuditEvent).filter_by(subject_type="membership")
                             .order_by(AuditEvent.at, AuditEvent.id)):
        events[e.subject_id].append(e)
    assert set(events) == {m.id for m in memberships}
    for m in memberships:
        first, *steps = events[m.id]
        assert (first.action, first.from_state, first.to_state, first.actor_id, first.at) == \
            ("nominate", None, "nominated", m.nominated_by_id, m.nominated_at)
        assert first.evidence == {"pool_id": m.pool_id, "cultivation_type": m.cultivation_type, "batch": m.batch}
        assert m.firm.created_at < m.nominated_at < NOW and 1 <= m.nominated_at.hour <= 8  # 09:00–17:00
        state = "nominated"
        for e in steps:
            target, edge = MEMBERSHIP.edge(state, e.action)
            assert (e.from_state, e.to_state) == (state, target), (m.id, e.action)
            if not edge.consequence:  # a consequence is fired by the engine, never by a user's permit
                assert permitted(users[e.actor_id], edge, m), (m.id, e.action, e.actor_name)
                assert e.evidence["fields"] == ({"reason": m.end_reason or e.comment} if edge.fields else {})
            state = target
        assert state == m.state and m.version == 1 + len(steps)
        assert m.is_active == (m.state in ("nominated", "admitted"))
        assert m.state_entered_at == (steps[-1].at if steps else m.nominated_at)
        if m.decided_at:
            assert m.decided_by_id == next(e.actor_id for e in steps if e.action in ("admit", "reject"))
            assert m.nominated_at < m.decided_at <= (m.ended_at or NOW)
        if m.ended_at:
            assert m.ended_at == steps[-1].at < NOW


def test_pool_lock_counters_count_the_admissions(session, memberships):
    """`admit_seq` is bumped by every admitting transaction (and by the target edit's lock)."""
    admitted = Counter(m.pool_id for m in memberships if m.decided_at and m.state != "rejected")
    for pool in session.scalars(select(Pool)):
        assert pool.admit_seq - admitted[pool.id] in (0, 1), pool.name


# ------------------------------------------------------------------- the planner's arithmetic, at scale


def planner(seed: int = 1) -> Planner:
    users = {"city": SimpleNamespace(id=1, username="city"),
             "officers": {"330106": SimpleNamespace(id=2, username="xihu")}}
    return Planner(random.Random(seed), users, NOW)


def eligible_firms(n: int) -> list[Candidate]:
    return [Candidate(i, "330106", date(2024, 12, 3), date(2018, 1, 1), "micro") for i in range(n)]


@pytest.mark.parametrize("seed", range(5))
def test_a_county_pool_is_filled_to_between_half_and_all_of_its_target(seed):
    """With the 200,000-firm demo's proportions (about 1.7 eligible firms per unit of target)."""
    target = 4_700
    pool = SimpleNamespace(id=5, target=target)
    p = planner(seed)
    p.city_pool = SimpleNamespace(id=1, target=12_000)
    members = p.county(pool, eligible_firms(8_000), {}, already=0)
    states = Counter(m.state for m in members)
    assert COUNTY_FILL[0] * target - 1 <= states["admitted"] <= COUNTY_FILL[1] * target + 1
    assert states["nominated"] == round(target * 0.012)
    city = p.city(p.city_pool, members, already=0)
    assert Counter(m.state for m in city)["admitted"] <= 0.35 * states["admitted"] + 1


def test_a_county_pool_never_takes_more_than_its_eligible_firms():
    pool = SimpleNamespace(id=5, target=4_700)
    p = planner()
    p.city_pool = SimpleNamespace(id=1, target=12_000)
    members = p.county(pool, eligible_firms(120), {}, already=0)
    assert len({m.firm_id for m in members}) == len(members) == 120
    assert Counter(m.state for m in members) == {"admitted": 116, "nominated": 2, "rejected": 1, "withdrawn": 1}


def test_planning_is_deterministic(session):
    def plan():
        members = Planner(random.Random("same"), _demo_users(session), NOW).plan(session, TODAY)
        return [(m.firm_id, m.level, m.state, m.nominated_at, m.decided_at, m.nominated_by.id) for m in members]

    assert plan() == plan()


def _demo_users(session) -> dict:
    made = {u.username: u for u in session.scalars(select(User))}
    return {"city": made["city"], "officers": {u.district_code: u for u in made.values() if u.district_code}}


# ------------------------------------------------------------------ the engine takes over the demo data


def test_the_engine_acts_on_demo_memberships(session):
    """Four eyes on a pending nomination, and removing a county member cascades to its city membership."""
    users = {u.username: u for u in session.scalars(select(User))}
    pending = session.scalars(select(PoolMembership).join(User, User.id == PoolMembership.nominated_by_id).where(
        PoolMembership.state == "nominated", PoolMembership.level == "county", User.role == Role.COUNTY_OFFICER)
    ).first()
    officer = session.get(User, pending.nominated_by_id)
    with pytest.raises(NotPermitted):
        act(session, pending, "admit", actor=officer, now=NOW, expected_version=pending.version)
    session.rollback()
    act(session, pending, "admit", actor=users["city"], now=NOW, expected_version=1)
    assert (pending.state, pending.version) == ("admitted", 2)

    city = session.scalars(select(PoolMembership).filter_by(level="city", state="admitted")).first()
    county = session.scalar(select(PoolMembership).filter_by(firm_id=city.firm_id, level="county", state="admitted"))
    act(session, county, "remove", actor=users["city"], now=NOW + timedelta(seconds=1), expected_version=2,
        values={"reason": "moved_out"})
    session.commit()
    session.expire_all()
    assert (county.state, county.version, city.state, city.version) == ("removed", 3, "removed", 3)
    assert session.get(Firm, city.firm_id) is not None and isinstance(city.ended_at, datetime)
